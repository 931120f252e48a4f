package model

import (
	"sort"
	"strings"
)

// Well-known annotations that the catalog sets or reads.
const (
	AnnotationManagedByLocation       = "backstage.io/managed-by-location"
	AnnotationManagedByOriginLocation = "backstage.io/managed-by-origin-location"
	AnnotationOrphan                  = "backstage.io/orphan"
	AnnotationViewURL                 = "backstage.io/view-url"
	AnnotationEditURL                 = "backstage.io/edit-url"
	AnnotationSourceLocation          = "backstage.io/source-location"
	AnnotationSourceTemplate          = "backstage.io/source-template"
	AnnotationTemplateVersion         = "backstage.io/template-version"
	AnnotationStack                   = "stackyard.dev/stack"
	// AnnotationLaunchers restricts who may launch a Template: a comma- or
	// space-separated list of refs (groups by default, users with
	// "user:"), one of which the launcher must hold.
	AnnotationLaunchers = "stackyard.io/launchers"
)

// StatusProcessingError is the status item type of a processing failure.
const StatusProcessingError = "backstage.io/catalog-processing"

// Entity is a catalog entity as free-form JSON: apiVersion, kind, metadata,
// spec and, once stitched, relations and status.
type Entity map[string]any

// Kind returns the entity's kind.
func (e Entity) Kind() string { s, _ := e["kind"].(string); return s }

// APIVersion returns the entity's apiVersion.
func (e Entity) APIVersion() string { s, _ := e["apiVersion"].(string); return s }

// Metadata returns the metadata object, or nil.
func (e Entity) Metadata() map[string]any { m, _ := e["metadata"].(map[string]any); return m }

// Spec returns the spec object, or nil.
func (e Entity) Spec() map[string]any { m, _ := e["spec"].(map[string]any); return m }

// Name returns metadata.name.
func (e Entity) Name() string { s, _ := e.Metadata()["name"].(string); return s }

// Namespace returns metadata.namespace, or "default" when unset.
func (e Entity) Namespace() string {
	if s, _ := e.Metadata()["namespace"].(string); s != "" {
		return s
	}
	return DefaultNamespace
}

// Ref returns the entity's ref.
func (e Entity) Ref() EntityRef {
	return EntityRef{Kind: e.Kind(), Namespace: e.Namespace(), Name: e.Name()}
}

// Annotation returns metadata.annotations[key].
func (e Entity) Annotation(key string) string {
	a, _ := e.Metadata()["annotations"].(map[string]any)
	s, _ := a[key].(string)
	return s
}

// SetAnnotation sets metadata.annotations[key], creating the maps it needs.
func (e Entity) SetAnnotation(key, value string) {
	md := e.Metadata()
	if md == nil {
		md = map[string]any{}
		e["metadata"] = md
	}
	a, _ := md["annotations"].(map[string]any)
	if a == nil {
		a = map[string]any{}
		md["annotations"] = a
	}
	a[key] = value
}

// SpecString returns spec[key] when it is a string.
func (e Entity) SpecString(key string) string { s, _ := e.Spec()[key].(string); return s }

// SpecStrings returns spec[key] when it is a list of strings.
func (e Entity) SpecStrings(key string) []string {
	list, _ := e.Spec()[key].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Relation is one edge of the catalog graph, as stitched onto its source.
type Relation struct {
	Type      string `json:"type"`
	TargetRef string `json:"targetRef"`
}

// SortRelations orders relations by type, then target, and drops duplicates,
// as the stitcher does.
func SortRelations(rs []Relation) []Relation {
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Type != rs[j].Type {
			return rs[i].Type < rs[j].Type
		}
		return rs[i].TargetRef < rs[j].TargetRef
	})
	out := rs[:0]
	for i, r := range rs {
		if i > 0 && r == rs[i-1] {
			continue
		}
		out = append(out, r)
	}
	return out
}

// Relation types and their reverses.
var relationPairs = map[string]string{
	"ownedBy":     "ownerOf",
	"partOf":      "hasPart",
	"providesApi": "apiProvidedBy",
	"consumesApi": "apiConsumedBy",
	"dependsOn":   "dependencyOf",
	"parentOf":    "childOf",
	"memberOf":    "hasMember",
}

func init() {
	for f, r := range relationPairs {
		relationPairs[r] = f
	}
}

// ReverseRelation returns the reverse of a well-known relation type.
func ReverseRelation(t string) string { return relationPairs[t] }

// IsOwnedKind reports whether entities of kind must name an owner.
func IsOwnedKind(kind string) bool {
	switch strings.ToLower(kind) {
	case "component", "api", "resource", "system", "domain", "template":
		return true
	}
	return false
}
