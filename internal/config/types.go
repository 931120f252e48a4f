package config

import (
	"fmt"
	"math"
	"time"

	"github.com/dustin/go-humanize"
	"gopkg.in/yaml.v3"
)

// StringList accepts a single string or a list of strings, as Backstage's
// cors.origin does.
type StringList []string

// UnmarshalYAML implements yaml.Unmarshaler.
func (s *StringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = StringList{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*s = list
	return nil
}

// Duration accepts a Go duration string ("100s", "5m") or Backstage's
// {seconds: N, minutes: N, hours: N} object.
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v, err := time.ParseDuration(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: invalid duration %q", n.Line, n.Value)
		}
		*d = Duration(v)
		return nil
	}
	var parts struct {
		Milliseconds int `yaml:"milliseconds"`
		Seconds      int `yaml:"seconds"`
		Minutes      int `yaml:"minutes"`
		Hours        int `yaml:"hours"`
	}
	if err := n.Decode(&parts); err != nil {
		return err
	}
	*d = Duration(time.Duration(parts.Milliseconds)*time.Millisecond + time.Duration(parts.Seconds)*time.Second +
		time.Duration(parts.Minutes)*time.Minute + time.Duration(parts.Hours)*time.Hour)
	return nil
}

// ByteSize accepts a number of bytes or a size with a unit: "200MiB",
// "1.5GB", "512 KiB".
type ByteSize int64

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := humanize.ParseBytes(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || v > math.MaxInt64 {
		return fmt.Errorf("line %d: invalid size %q, expected bytes or a size such as 200MiB", n.Line, n.Value)
	}
	*b = ByteSize(v)
	return nil
}
