package model

import (
	"crypto/sha1"
	"encoding/hex"
)

// Location is a registered location, as the locations API returns it.
type Location struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Target    string `json:"target"`
	EntityRef string `json:"entityRef"`
}

// GeneratedLocationName is the name of the Location entity that stands for a
// registered or configured location: "generated-" + sha1("type:target").
func GeneratedLocationName(typ, target string) string {
	sum := sha1.Sum([]byte(LocationRef(typ, target)))
	return "generated-" + hex.EncodeToString(sum[:])
}

// LocationEntity returns the root Location entity for a location.
func LocationEntity(typ, target, presence string) Entity {
	spec := map[string]any{"type": typ, "target": target}
	if presence != "" {
		spec["presence"] = presence
	}
	key := LocationRef(typ, target)
	return Entity{
		"apiVersion": "backstage.io/v1alpha1",
		"kind":       "Location",
		"metadata": map[string]any{
			"name":      GeneratedLocationName(typ, target),
			"namespace": DefaultNamespace,
			"annotations": map[string]any{
				AnnotationManagedByLocation:       key,
				AnnotationManagedByOriginLocation: key,
			},
		},
		"spec": spec,
	}
}
