// Package model holds the catalog's vocabulary: entities, entity refs,
// relations and the well-known annotations. It is a leaf package.
package model

import (
	"fmt"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
)

// DefaultNamespace is the namespace of an entity that names none.
const DefaultNamespace = "default"

// EntityRef identifies an entity by kind, namespace and name.
type EntityRef struct {
	Kind      string
	Namespace string
	Name      string
}

// ParseRef parses "[kind:][namespace/]name" the way Backstage's
// parseEntityRef does. defaultKind and defaultNamespace fill the parts the
// string leaves out; an empty defaultKind makes a missing kind an error.
func ParseRef(s, defaultKind, defaultNamespace string) (EntityRef, error) {
	if defaultNamespace == "" {
		defaultNamespace = DefaultNamespace
	}
	colon := strings.IndexByte(s, ':')
	slash := strings.IndexByte(s, '/')
	if slash >= 0 && colon > slash {
		colon = -1
	}
	ref := EntityRef{Kind: defaultKind, Namespace: defaultNamespace}
	rest := s
	if colon >= 0 {
		ref.Kind = rest[:colon]
		rest = rest[colon+1:]
		if ref.Kind == "" {
			return EntityRef{}, errs.Input("entity reference %q has an empty kind", s)
		}
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		ref.Namespace = rest[:i]
		rest = rest[i+1:]
		if ref.Namespace == "" {
			return EntityRef{}, errs.Input("entity reference %q has an empty namespace", s)
		}
	}
	ref.Name = rest
	if ref.Name == "" {
		return EntityRef{}, errs.Input("entity reference %q has an empty name", s)
	}
	if ref.Kind == "" {
		return EntityRef{}, errs.Input("entity reference %q had missing or empty kind (e.g. did not start with \"component:\" or similar)", s)
	}
	return ref, nil
}

// String returns the canonical, lower-cased "kind:namespace/name".
func (r EntityRef) String() string {
	return strings.ToLower(r.Kind) + ":" + strings.ToLower(r.Namespace) + "/" + strings.ToLower(r.Name)
}

// CompoundKey returns the canonical ref; it is the catalog's identity key.
func (r EntityRef) CompoundKey() string { return r.String() }

// LocationRef is "type:target", the key of a location.
func LocationRef(typ, target string) string { return typ + ":" + target }

// ParseLocationRef splits "type:target" on its first colon.
func ParseLocationRef(s string) (typ, target string, err error) {
	i := strings.IndexByte(s, ':')
	if i <= 0 || i == len(s)-1 {
		return "", "", errs.Input("unable to parse location ref '%s', expected '<type>:<target>', e.g. 'url:https://host/path'", s)
	}
	typ, target = s[:i], s[i+1:]
	if typ == "http" || typ == "https" {
		return "", "", errs.Input("invalid location ref '%s', please prefix it with 'url:', e.g. 'url:%s'", s, s)
	}
	return typ, target, nil
}

func (r EntityRef) GoString() string { return fmt.Sprintf("EntityRef(%s)", r) }
