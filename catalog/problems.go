package catalog

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/processing"
	"github.com/stackyard/stackyard/internal/errs"
)

// EntityProblems is an entity whose processing failed, for its owners.
type EntityProblems struct {
	EntityRef string `json:"entityRef"`
	Owner     string `json:"owner"`
	Location  string `json:"location"`
	// Visible says whether an earlier good version is still served.
	Visible bool                 `json:"visible"`
	Errors  []processing.Problem `json:"errors"`
}

// ProcessingErrors returns why entities failed to process, limited to the
// entities that the caller owns (ownership refs: the user and its groups).
// owner narrows the result to one owner, which the caller must hold unless
// admin. Backstage shows these to nobody (backstage/backstage#30000).
func (s *Service) ProcessingErrors(ctx context.Context, ownership []string, admin bool, owner string) ([]EntityProblems, error) {
	if owner != "" {
		ref, err := model.ParseRef(owner, "Group", "")
		if err != nil {
			return nil, err
		}
		owner = ref.String()
		if !admin && !slices.Contains(ownership, owner) {
			return nil, errs.NotAllowed("You may only read the processing errors of entities you own; %s is not one of your ownership refs", owner)
		}
	}
	rows, err := s.store.ProcessingErrors(ctx)
	if err != nil {
		return nil, err
	}
	out := []EntityProblems{}
	for _, r := range rows {
		src := r.Unprocessed
		if r.Processed != nil {
			src = *r.Processed
		}
		var ent model.Entity
		if json.Unmarshal([]byte(src), &ent) != nil {
			continue
		}
		entOwner := ""
		if o := ent.SpecString("owner"); o != "" {
			if ref, err := model.ParseRef(o, "Group", ent.Namespace()); err == nil {
				entOwner = ref.String()
			}
		}
		switch {
		case owner != "" && entOwner != owner:
			continue
		case owner == "" && !admin && !slices.Contains(ownership, entOwner):
			continue
		}
		var problems []processing.Problem
		_ = json.Unmarshal([]byte(r.Errors), &problems)
		loc := ""
		if r.LocationKey != nil {
			loc = *r.LocationKey
		}
		out = append(out, EntityProblems{EntityRef: r.EntityRef, Owner: entOwner, Location: loc, Visible: r.Processed != nil, Errors: problems})
	}
	return out, nil
}

// OwnershipRefs returns a user's ownership refs: the user and every group
// it belongs to, directly or through parent groups.
func (s *Service) OwnershipRefs(userRef string) []string {
	refs := []string{userRef}
	seen := map[string]bool{userRef: true}
	for i := 0; i < len(refs) && i < 1000; i++ {
		for _, target := range s.index.RowValues(refs[i], "relations.memberof", "relations.childof") {
			if !seen[target] {
				seen[target] = true
				refs = append(refs, target)
			}
		}
	}
	return refs
}
