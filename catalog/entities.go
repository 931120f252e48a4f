package catalog

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strings"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/query"
	"github.com/stackyard/stackyard/catalog/store"
	"github.com/stackyard/stackyard/internal/errs"
)

// List serves a paged GET /entities.
func (s *Service) List(ctx context.Context, req query.ListRequest) (query.ListResult, error) {
	return s.index.List(ctx, req)
}

// Stream serves an unpaged GET /entities: every matching entity, read
// from the index a chunk at a time.
func (s *Service) Stream(ctx context.Context, req query.ListRequest) (iter.Seq2[[]byte, error], error) {
	return s.index.Stream(ctx, req)
}

// Query serves GET and POST /entities/by-query.
func (s *Service) Query(ctx context.Context, req query.QueryRequest) (query.QueryResult, error) {
	return s.index.Query(ctx, req)
}

// Facets serves GET and POST /entity-facets.
func (s *Service) Facets(_ context.Context, p query.Predicate, facets []string) map[string][]query.FacetCount {
	return s.index.Facets(p, facets)
}

// ByRefs serves POST /entities/by-refs: one slot per ref, nil when absent.
func (s *Service) ByRefs(ctx context.Context, refs []string, p query.Predicate, fields []string) ([][]byte, error) {
	return s.index.ByRefs(ctx, refs, p, fields)
}

// ByName returns the entity kind:namespace/name, matched case-insensitively.
func (s *Service) ByName(ctx context.Context, ref model.EntityRef) ([]byte, error) {
	if b, err := s.index.ByRef(ctx, ref.String()); err != nil || b != nil {
		return b, err
	}
	return nil, errs.NotFound("No entity named '%s' found, with kind '%s' in namespace '%s'", ref.Name, ref.Kind, ref.Namespace)
}

// ByUID returns the entity with uid.
func (s *Service) ByUID(ctx context.Context, uid string) ([]byte, error) {
	if b, err := s.index.ByUID(ctx, uid); err != nil || b != nil {
		return b, err
	}
	return nil, errs.NotFound("No entity with uid %s", uid)
}

// DeleteByUID removes an entity; an unknown uid is not an error. If a
// location still emits it, it comes back with a new uid.
func (s *Service) DeleteByUID(ctx context.Context, uid string) error {
	change, ok, err := s.deleteChange(ctx, uid)
	if err != nil || !ok {
		return err
	}
	err = s.opts.Audit.Do(ctx, change, func(ctx context.Context) error { return s.store.DeleteEntity(ctx, uid) })
	if err != nil {
		return err
	}
	s.syncMu.Lock()
	s.index.Remove(uid)
	s.syncMu.Unlock()
	s.engine.Wake()
	return nil
}

// AncestryItem is one entity of an ancestry walk.
type AncestryItem struct {
	Entity           json.RawMessage `json:"entity"`
	ParentEntityRefs []string        `json:"parentEntityRefs"`
}

// Ancestry is the response of GET .../ancestry.
type Ancestry struct {
	RootEntityRef string         `json:"rootEntityRef"`
	Items         []AncestryItem `json:"items"`
}

// Ancestry walks from an entity up to the root Locations that emitted it.
func (s *Service) Ancestry(ctx context.Context, ref model.EntityRef) (Ancestry, error) {
	root := ref.String()
	if !s.index.Has(root) {
		return Ancestry{}, errs.NotFound("No such entity %s", root)
	}
	out := Ancestry{RootEntityRef: root}
	queue, seen := []string{root}, map[string]bool{root: true}
	for len(queue) > 0 && len(seen) < 1000 {
		cur := queue[0]
		queue = queue[1:]
		body, err := s.index.ByRef(ctx, cur)
		if err != nil {
			return Ancestry{}, err
		}
		if body == nil {
			continue
		}
		parents, _, err := s.store.Parents(ctx, cur)
		if err != nil {
			return Ancestry{}, err
		}
		if parents == nil {
			parents = []string{}
		}
		out.Items = append(out.Items, AncestryItem{Entity: body, ParentEntityRefs: parents})
		for _, p := range parents {
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	return out, nil
}

// Refresh schedules an entity and every Location above it for processing
// now. The principal must own the entity. As in Backstage, the ref is only
// lower-cased, not parsed: anything but a full ref is not found.
func (s *Service) Refresh(ctx context.Context, rawRef string) error {
	return s.refresh(ctx, strings.ToLower(rawRef), false)
}

// refresh schedules key and its ancestors, as the caller's permission
// allows and recorded in the audit log; open lets any caller refresh.
func (s *Service) refresh(ctx context.Context, key string, open bool) error {
	if _, ok, err := s.lookupRef(ctx, key); err != nil {
		return err
	} else if !ok {
		return errs.NotFound("Entity %s not found", key)
	}
	refs := []string{key}
	seen := map[string]bool{key: true}
	for i := 0; i < len(refs) && i < 1000; i++ {
		parents, _, err := s.store.Parents(ctx, refs[i])
		if err != nil {
			return err
		}
		for _, p := range parents {
			if !seen[p] {
				seen[p] = true
				refs = append(refs, p)
			}
		}
	}
	schedule := func(ctx context.Context) error {
		return s.store.InTx(ctx, func(tx *store.Store) error { return tx.ScheduleRefresh(ctx, refs) })
	}
	change, err := s.refreshChange(ctx, key)
	if err != nil {
		return err
	}
	change.Open = open
	if err := s.opts.Audit.Do(ctx, change, schedule); err != nil {
		return err
	}
	s.engine.Wake()
	return nil
}

func (s *Service) lookupRef(ctx context.Context, ref string) (string, bool, error) {
	info, err := s.store.LookupRefs(ctx, []string{ref})
	if err != nil {
		return "", false, err
	}
	i, ok := info[ref]
	return i.EntityID, ok, nil
}

// ValidationFailure is one entry of POST /validate-entity's {errors}.
type ValidationFailure struct {
	Name    string            `json:"name"`
	Message string            `json:"message"`
	Fields  []errs.FieldError `json:"fields,omitempty"`
}

// ValidateEntity runs the processing checks on an entity (any decoded JSON
// value) for a url location; it returns the failures (none means valid).
// The entity envelope and the location ref are checked first, with the
// messages of Backstage's validateEntityEnvelope and parseLocationRef.
func (s *Service) ValidateEntity(_ context.Context, entity any, location string) []ValidationFailure {
	typeError := func(format string, args ...any) []ValidationFailure {
		return []ValidationFailure{{Name: "TypeError", Message: fmt.Sprintf(format, args...)}}
	}
	if msg := envelopeError(entity); msg != "" {
		return typeError("%s", msg)
	}
	typ, target, ok := strings.Cut(location, ":")
	typ, target = strings.TrimSpace(typ), strings.TrimSpace(target)
	switch {
	case !ok || typ == "" || target == "":
		return typeError("Unable to parse location ref '%s', expected '<type>:<target>', e.g. 'url:https://host/path'", location)
	case typ == "http" || typ == "https":
		return typeError("Invalid location ref '%s', please prefix it with 'url:', e.g. 'url:%s'", location, location)
	case typ != "url":
		return typeError("Invalid location ref %s, only 'url:<target>' is supported, e.g. url:https://host/path", location)
	}
	ent := model.Entity(entity.(map[string]any))
	ent.SetAnnotation(model.AnnotationManagedByLocation, location)
	ent.SetAnnotation(model.AnnotationManagedByOriginLocation, location)
	var out []ValidationFailure
	for _, p := range s.engine.Validate(ent) {
		out = append(out, ValidationFailure{Name: p.Name, Message: p.Message, Fields: p.Fields})
	}
	return out
}

// envelopeError checks the EntityEnvelope JSON schema and returns the
// first failure as Backstage's ajv wrapper words it, or "".
func envelopeError(entity any) string {
	root, ok := entity.(map[string]any)
	if !ok {
		return "<root> must be object - type: object"
	}
	for _, k := range []string{"apiVersion", "kind", "metadata"} {
		if _, ok := root[k]; !ok {
			return fmt.Sprintf("<root> must have required property '%s' - missingProperty: %s", k, k)
		}
	}
	nonEmpty := func(path string, v any) string {
		switch s, ok := v.(string); {
		case !ok:
			return path + " must be string - type: string"
		case s == "":
			return path + " must NOT have fewer than 1 characters - limit: 1"
		}
		return ""
	}
	if msg := cmp.Or(nonEmpty("/apiVersion", root["apiVersion"]), nonEmpty("/kind", root["kind"])); msg != "" {
		return msg
	}
	meta, ok := root["metadata"].(map[string]any)
	if !ok {
		return "/metadata must be object - type: object"
	}
	if _, ok := meta["name"]; !ok {
		return "/metadata must have required property 'name' - missingProperty: name"
	}
	if msg := nonEmpty("/metadata/name", meta["name"]); msg != "" {
		return msg
	}
	if ns, ok := meta["namespace"]; ok {
		return nonEmpty("/metadata/namespace", ns)
	}
	return ""
}

// kindOf returns the lower-cased kind of a canonical ref.
func kindOf(ref string) string {
	if i := strings.IndexByte(ref, ':'); i > 0 {
		return ref[:i]
	}
	return ""
}
