package catalog

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/query"
	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/internal/auth"
)

// The catalog is the directory identities resolve against.
var _ auth.Directory = (*Service)(nil)

// ExpandOwnership returns refs plus every group they belong to, directly
// or through parent groups (memberOf and childOf, followed transitively).
func (s *Service) ExpandOwnership(refs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range refs {
		for _, o := range s.OwnershipRefs(strings.ToLower(r)) {
			if !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}
	return out
}

// UserByEmail returns the ref of the User whose spec.profile.email is email.
func (s *Service) UserByEmail(email string) (string, bool) {
	items := s.matching(map[string]string{"kind": "user", "spec.profile.email": email})
	if len(items) != 1 {
		return "", false // none, or ambiguous
	}
	var ent model.Entity
	if json.Unmarshal(items[0], &ent) != nil {
		return "", false
	}
	return ent.Ref().String(), true
}

// matching returns the entities whose fields equal the given values
// (case-insensitively, as catalog filters match).
func (s *Service) matching(fields map[string]string) [][]byte {
	raw, err := json.Marshal(fields)
	if err != nil {
		return nil
	}
	var p query.Predicate
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil
	}
	// One page of at most two: enough to tell one match from many, and a
	// page keeps the bodies it reads in the index's cache, so a user who
	// signs in again is not read from the database again. The auth
	// Directory has no request context.
	limit := 2
	res, err := s.index.List(context.Background(), query.ListRequest{Filter: p, Limit: &limit})
	if err != nil {
		return nil
	}
	return res.Items
}

// Exists reports whether the catalog serves the entity ref.
func (s *Service) Exists(ref string) bool {
	return s.index.Has(ref)
}

// ownersOf returns the refs that own an entity: its ownedBy targets, and a
// User or Group itself (a user owns its User entity, members their Group).
func ownersOf(body []byte) (ref string, owners []string) {
	var ent struct {
		Kind      string           `json:"kind"`
		Metadata  map[string]any   `json:"metadata"`
		Relations []model.Relation `json:"relations"`
	}
	if json.Unmarshal(body, &ent) != nil {
		return "", nil
	}
	e := model.Entity{"kind": ent.Kind, "metadata": ent.Metadata}
	ref = e.Ref().String()
	for _, r := range ent.Relations {
		if r.Type == "ownedBy" {
			owners = append(owners, strings.ToLower(r.TargetRef))
		}
	}
	if k := strings.ToLower(ent.Kind); k == "user" || k == "group" {
		owners = append(owners, ref)
	}
	return ref, owners
}

// entityChange is the audit change of acting on one entity.
func entityChange(permission string, body []byte) audit.Change {
	ref, owners := ownersOf(body)
	return audit.Change{Rule: auth.Rule{Permission: permission, Target: ref, Owners: [][]string{owners}}, Before: audit.Hash(body)}
}

// locationChange is the audit change of updating or deleting a location:
// the principal must own every entity the location brought in (its
// managed-by-origin-location, which nested Locations keep). A location
// that brought in nothing is left to admins.
func (s *Service) locationChange(permission string, loc model.Location) audit.Change {
	c := audit.Change{Rule: auth.Rule{Permission: permission, Target: loc.ID}, Before: audit.Hash(loc)}
	origin := model.LocationRef(loc.Type, loc.Target)
	for _, body := range s.matching(map[string]string{"metadata.annotations." + model.AnnotationManagedByOriginLocation: origin}) {
		if ref, owners := ownersOf(body); len(owners) > 0 && !strings.HasPrefix(ref, "location:") {
			c.Owners = append(c.Owners, owners)
		}
	}
	return c
}

// deleteChange is the audit change of deleting the entity uid; false when
// no such entity is stored (deleting it changes nothing).
func (s *Service) deleteChange(ctx context.Context, uid string) (audit.Change, bool, error) {
	body, err := s.index.ByUID(ctx, uid)
	if err != nil {
		return audit.Change{}, false, err
	}
	if body != nil {
		return entityChange(auth.EntityDelete, body), true, nil
	}
	ref, ok, err := s.store.EntityRefByID(ctx, uid)
	if err != nil || !ok {
		return audit.Change{}, false, err
	}
	// Stored but not served (it failed processing): admins only.
	return audit.Change{Rule: auth.Rule{Permission: auth.EntityDelete, Target: ref}}, true, nil
}

// refreshChange is the audit change of refreshing the entity ref.
func (s *Service) refreshChange(ctx context.Context, ref string) (audit.Change, error) {
	body, err := s.index.ByRef(ctx, ref)
	if err != nil {
		return audit.Change{}, err
	}
	if body != nil {
		c := entityChange(auth.EntityRefresh, body)
		c.After = c.Before // a refresh only schedules processing
		return c, nil
	}
	return audit.Change{Rule: auth.Rule{Permission: auth.EntityRefresh, Target: ref}}, nil
}
