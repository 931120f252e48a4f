package query

import (
	"context"
	"slices"
)

// ByRefs returns the entities with the given refs, in order, with nil for a
// ref that is unknown or whose entity does not match p. As in Backstage
// (catalog backend 3.2.0, a SQL IN on final_entities.entity_ref), each ref
// must equal the lower-cased canonical "kind:namespace/name" exactly: it is
// not parsed, lower-cased or completed with defaults, so
// "Component:default/A" finds nothing. Fields project the entities; an
// invalid field is an InputError.
func (ix *Index) ByRefs(ctx context.Context, refs []string, p Predicate, fields []string) ([][]byte, error) {
	proj, err := CompileFields(fields)
	if err != nil {
		return nil, err
	}
	var hits []hit
	var at []int // the position in refs of each hit
	ix.mu.RLock()
	for i, ref := range refs {
		if d, ok := ix.findRef(ref); ok && ix.matchDoc(p, ix.docs[d].rows) {
			hits = append(hits, ix.hitOf(d))
			at = append(at, i)
		}
	}
	ix.mu.RUnlock()
	found, err := ix.fill(ctx, slices.Clone(hits), true)
	if err != nil {
		return nil, err
	}
	bodies := make(map[string][]byte, len(found))
	for _, h := range found {
		bodies[h.uid] = h.json
	}
	out := make([][]byte, len(refs))
	for j, h := range hits {
		js := bodies[h.uid]
		if js == nil {
			continue // deleted since the index was read
		}
		if out[at[j]], err = proj.Apply(js); err != nil {
			return nil, err
		}
	}
	return out, nil
}
