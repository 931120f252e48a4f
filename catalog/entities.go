package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strings"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/query"
	"github.com/stackyard/stackyard/internal/errs"
)

// List serves a paged GET /entities.
func (s *Service) List(_ context.Context, req query.ListRequest) (query.ListResult, error) {
	return s.index.List(req)
}

// Stream serves an unpaged GET /entities: every matching entity, read
// from the index a chunk at a time.
func (s *Service) Stream(_ context.Context, req query.ListRequest) (iter.Seq2[[]byte, error], error) {
	return s.index.Stream(req)
}

// Query serves GET and POST /entities/by-query.
func (s *Service) Query(_ context.Context, req query.QueryRequest) (query.QueryResult, error) {
	return s.index.Query(req)
}

// Facets serves GET and POST /entity-facets.
func (s *Service) Facets(_ context.Context, p query.Predicate, facets []string) map[string][]query.FacetCount {
	return s.index.Facets(p, facets)
}

// ByRefs serves POST /entities/by-refs: one slot per ref, nil when absent.
func (s *Service) ByRefs(_ context.Context, refs []string, p query.Predicate, fields []string) ([][]byte, error) {
	return s.index.ByRefs(refs, p, fields)
}

// ByName returns the entity kind:namespace/name, matched case-insensitively.
func (s *Service) ByName(_ context.Context, ref model.EntityRef) ([]byte, error) {
	if b, ok := s.index.ByRef(ref.String()); ok {
		return b, nil
	}
	return nil, errs.NotFound("No entity named '%s' found, with kind '%s' in namespace '%s'", ref.Name, ref.Kind, ref.Namespace)
}

// ByUID returns the entity with uid.
func (s *Service) ByUID(_ context.Context, uid string) ([]byte, error) {
	if b, ok := s.index.ByUID(uid); ok {
		return b, nil
	}
	return nil, errs.NotFound("No entity with uid %s", uid)
}

// DeleteByUID removes an entity; an unknown uid is not an error. If a
// location still emits it, it comes back with a new uid.
func (s *Service) DeleteByUID(ctx context.Context, uid string) error {
	if err := s.store.DeleteEntity(ctx, uid); err != nil {
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
	if _, ok := s.index.ByRef(root); !ok {
		return Ancestry{}, errs.NotFound("No such entity %s", root)
	}
	out := Ancestry{RootEntityRef: root}
	queue, seen := []string{root}, map[string]bool{root: true}
	for len(queue) > 0 && len(seen) < 1000 {
		cur := queue[0]
		queue = queue[1:]
		body, ok := s.index.ByRef(cur)
		if !ok {
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

// Refresh schedules an entity and every Location above it for processing now.
func (s *Service) Refresh(ctx context.Context, rawRef string) error {
	ref, err := model.ParseRef(rawRef, "", "")
	if err != nil {
		return err
	}
	key := ref.String()
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
	if err := s.store.ScheduleRefresh(ctx, refs); err != nil {
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

// ValidateEntity runs the processing checks on an entity for a url
// location; it returns the failures (none means valid).
func (s *Service) ValidateEntity(_ context.Context, ent model.Entity, location string) []ValidationFailure {
	typ, target, err := model.ParseLocationRef(location)
	if err != nil || typ != "url" {
		return []ValidationFailure{{Name: "TypeError", Message: fmt.Sprintf("Invalid location ref '%s', only 'url:<target>' is supported, e.g. url:https://host/path", location)}}
	}
	for _, k := range []string{"apiVersion", "kind", "metadata"} {
		if _, ok := ent[k]; !ok {
			return []ValidationFailure{{Name: "TypeError", Message: fmt.Sprintf("<root> must have required property '%s'", k)}}
		}
	}
	ent.SetAnnotation(model.AnnotationManagedByLocation, model.LocationRef(typ, target))
	ent.SetAnnotation(model.AnnotationManagedByOriginLocation, model.LocationRef(typ, target))
	var out []ValidationFailure
	for _, p := range s.engine.Validate(ent) {
		out = append(out, ValidationFailure{Name: p.Name, Message: p.Message, Fields: p.Fields})
	}
	return out
}

// kindOf returns the lower-cased kind of a canonical ref.
func kindOf(ref string) string {
	if i := strings.IndexByte(ref, ':'); i > 0 {
		return ref[:i]
	}
	return ""
}
