package tasks

import (
	"context"
	"sort"
	"strings"
)

// redactorFor replaces every secret value with ***, longest first so that
// a secret containing another is redacted whole.
func redactorFor(secrets map[string]string) *strings.Replacer {
	vals := make([]string, 0, len(secrets))
	for _, v := range secrets {
		if v != "" {
			vals = append(vals, v)
		}
	}
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, "***")
	}
	return strings.NewReplacer(pairs...)
}

// redactValue redacts every string in a JSON value.
func redactValue(r *strings.Replacer, v any) any {
	switch t := v.(type) {
	case string:
		return r.Replace(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			out[k] = redactValue(r, item)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = redactValue(r, item)
		}
		return out
	}
	return v
}

// redactingSink redacts secrets from every event before it is stored.
type redactingSink struct {
	sink Sink
	r    *strings.Replacer
}

func (s redactingSink) Emit(ctx context.Context, typ EventType, b Body) error {
	b.Message = s.r.Replace(b.Message)
	if b.Error != nil {
		e := *b.Error
		e.Message = s.r.Replace(e.Message)
		b.Error = &e
	}
	if b.Output != nil {
		b.Output = redactValue(s.r, b.Output)
	}
	return s.sink.Emit(ctx, typ, b)
}

// redactedError is an error whose message had its secrets removed.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

func redactErr(r *strings.Replacer, err error) error {
	if err == nil {
		return nil
	}
	msg := r.Replace(err.Error())
	if msg == err.Error() {
		return err
	}
	return redactedError{msg: msg, err: err}
}
