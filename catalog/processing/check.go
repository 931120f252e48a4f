package processing

import (
	"context"
	"fmt"
	"strings"

	"github.com/stackyard/stackyard/catalog/store"
)

// checkCatalog checks a batch of outcomes against the rest of the catalog,
// in one lookup: a child ref that another location already provides is a
// conflict on this location (the first location keeps the entity), and an
// owner that names no existing Group or User is a visible error on the
// owned entity.
func (e *Engine) checkCatalog(ctx context.Context, outcomes []*outcome) error {
	var refs []string
	for _, o := range outcomes {
		if o.fatal() {
			continue
		}
		for _, c := range o.children {
			refs = append(refs, c.Ref)
		}
		for _, r := range o.relations {
			if r.Type == "ownedBy" {
				refs = append(refs, r.Target)
			}
		}
	}
	if len(refs) == 0 {
		return nil
	}
	known, err := e.store.LookupRefs(ctx, refs)
	if err != nil {
		return err
	}
	for _, o := range outcomes {
		if !o.fatal() {
			o.checkChildren(known)
			o.checkOwners(func(ref string) bool {
				_, ok := known[ref]
				return ok
			})
		}
	}
	return nil
}

func (o *outcome) checkChildren(known map[string]store.RefInfo) {
	kept := o.children[:0]
	for _, c := range o.children {
		info, ok := known[c.Ref]
		if ok && info.LocationKey != "" && info.LocationKey != c.LocationKey {
			o.problems = append(o.problems, Problem{
				Name:    "ConflictError",
				Message: fmt.Sprintf("Detected conflicting entityRef %s already referenced by %s and now also %s; the first location keeps it", c.Ref, info.LocationKey, c.LocationKey),
			})
			continue
		}
		kept = append(kept, c)
	}
	o.children = kept
	if o.light {
		o.fresh = make(map[string]bool, len(kept))
		for _, c := range kept {
			_, stored := known[c.Ref]
			o.fresh[c.Ref] = !stored
		}
	}
}

func (o *outcome) checkOwners(exists func(ref string) bool) {
	for _, r := range o.relations {
		if r.Type != "ownedBy" {
			continue
		}
		kind := r.Target[:strings.IndexByte(r.Target, ':')]
		found := exists(r.Target)
		if (kind == "group" || kind == "user") && found {
			continue
		}
		if !found {
			o.awaited = append(o.awaited, r.Target)
		}
		o.problems = append(o.problems, Problem{
			Name: "OwnerNotFoundError",
			Message: fmt.Sprintf("spec.owner %q of %s does not resolve to an existing Group or User (looked for %s)",
				o.entity.SpecString("owner"), o.entity.Ref(), r.Target),
		})
	}
}
