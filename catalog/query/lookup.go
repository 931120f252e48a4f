package query

// ByRefs returns the entities with the given refs, in order, with nil for a
// ref that is unknown or whose entity does not match p. As in Backstage
// (catalog backend 3.2.0, a SQL IN on final_entities.entity_ref), each ref
// must equal the lower-cased canonical "kind:namespace/name" exactly: it is
// not parsed, lower-cased or completed with defaults, so
// "Component:default/A" finds nothing. Fields project the entities; an
// invalid field is an InputError.
func (ix *Index) ByRefs(refs []string, p Predicate, fields []string) ([][]byte, error) {
	proj, err := CompileFields(fields)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(refs))
	ix.mu.RLock()
	for i, ref := range refs {
		if d, ok := ix.findRef(ref); ok && ix.matchDoc(p, ix.docs[d].rows) {
			out[i] = ix.docs[d].json
		}
	}
	ix.mu.RUnlock()
	for i, js := range out {
		if js == nil {
			continue
		}
		if out[i], err = proj.Apply(js); err != nil {
			return nil, err
		}
	}
	return out, nil
}
