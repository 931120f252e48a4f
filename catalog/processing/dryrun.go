package processing

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/store"
	"github.com/stackyard/stackyard/internal/errs"
)

// maxDryRunEntities bounds what a dry run may read.
const maxDryRunEntities = 10000

// DryRun processes a root Location entity and everything it leads to in
// memory, writing nothing. It returns the processed (unstitched) entities:
// the root first, then nested Locations, then their other children.
func (e *Engine) DryRun(ctx context.Context, root model.Entity) ([]model.Entity, error) {
	var locations, others []model.Entity
	var problems []string
	queue := []model.Entity{root}
	seen := map[string]bool{}
	for len(queue) > 0 {
		ent := queue[0]
		queue = queue[1:]
		ref := ent.Ref().String()
		if seen[ref] {
			continue
		}
		seen[ref] = true
		if len(seen) > maxDryRunEntities {
			return nil, errs.Input("location yields more than %d entities", maxDryRunEntities)
		}
		data, err := json.Marshal(ent)
		if err != nil {
			return nil, err
		}
		o := e.process(ctx, store.Claimed{EntityRef: ref, Unprocessed: data}, true)
		for _, p := range o.problems {
			problems = append(problems, p.Name+": "+p.Message)
		}
		if o.fatal() {
			continue
		}
		if o.isLoc {
			locations = append(locations, o.entity)
		} else {
			others = append(others, o.entity)
		}
		for _, c := range o.children {
			var child model.Entity
			if err := json.Unmarshal(c.Entity, &child); err == nil {
				queue = append(queue, child)
			}
		}
	}
	if len(problems) > 0 {
		return nil, errs.Input("%s", strings.Join(problems, "; "))
	}
	return append(locations, others...), nil
}

// Validate runs the processing checks on one entity without storing it,
// as POST /validate-entity does. It returns the problems found.
func (e *Engine) Validate(ent model.Entity) []Problem {
	if fe := e.validator.Validate(docOf(ent)); len(fe) > 0 {
		return []Problem{validationProblem(ent, fe)}
	}
	normalize(ent)
	if _, err := emitRelations(ent); err != nil {
		return []Problem{{Name: "InputError", Message: err.Error(), Fatal: true}}
	}
	return nil
}
