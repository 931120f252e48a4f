package processing

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/parse"
	"github.com/stackyard/stackyard/catalog/store"
	"github.com/stackyard/stackyard/internal/errs"
)

// Problem is one processing error, as stored and shown in status.items.
type Problem struct {
	Name    string            `json:"name"`
	Message string            `json:"message"`
	Fields  []errs.FieldError `json:"fields,omitempty"`
	// Fatal problems keep the last good version of the entity.
	Fatal bool `json:"-"`
}

// outcome is one entity's processing before it is checked against the
// rest of the catalog (conflicts, dangling owners) and hashed.
type outcome struct {
	claimed   store.Claimed
	entity    model.Entity
	order     *model.KeyOrder // the author's key order, kept in the output
	relations []store.RelationRow
	children  []store.Deferred
	awaited   []string // refs it names that do not exist yet
	isLoc     bool
	problems  []Problem
	// keepBodies keeps the JSON of every child; otherwise, past
	// lightAfter children, they keep only ref and hash (see bodies).
	keepBodies bool
	light      bool
	// read is what the location read, in order, to yield the children
	// again with their JSON.
	read []readFiles
	// fresh holds the refs of a light outcome's children, true for those
	// not stored yet (see bulk).
	fresh map[string]bool
}

// readFiles is the files read from one target of a location.
type readFiles struct {
	typ, origin string
	files       []File
}

// lightAfter is how many children of a location keep their JSON while it
// is read. Past it, children keep only their ref and hash, and are read
// again from the same bytes, a chunk at a time, when they are written:
// the JSON of 100,000 children is about 130 MB.
const lightAfter = 5000

func (o *outcome) fatal() bool {
	return slices.ContainsFunc(o.problems, func(p Problem) bool { return p.Fatal })
}

// processOne validates an unprocessed entity, emits its relations and, for a
// Location, reads its targets.
func (e *Engine) processOne(ctx context.Context, c store.Claimed) *outcome {
	return e.process(ctx, c, false)
}

// process is processOne; keepBodies keeps every child's JSON in
// outcome.children, for a caller that reads them there.
func (e *Engine) process(ctx context.Context, c store.Claimed, keepBodies bool) *outcome {
	var ent model.Entity
	if err := json.Unmarshal(c.Unprocessed, &ent); err != nil {
		o := &outcome{claimed: c, keepBodies: keepBodies}
		o.problems = append(o.problems, Problem{Name: "InputError", Message: "stored entity is not JSON: " + err.Error(), Fatal: true})
		return o
	}
	return e.processDecoded(ctx, c, ent, keepBodies)
}

// processDecoded is process with c.Unprocessed decoded into ent, which it
// changes.
func (e *Engine) processDecoded(ctx context.Context, c store.Claimed, ent model.Entity, keepBodies bool) *outcome {
	o := &outcome{claimed: c, keepBodies: keepBodies}
	o.entity = ent
	o.order = model.OrderOf(c.Unprocessed)
	if fe := e.validate(c.Unprocessed, ent); len(fe) > 0 {
		o.problems = append(o.problems, validationProblem(ent, fe))
		return o
	}
	normalize(ent)
	rels, err := emitRelations(ent)
	if err != nil {
		o.problems = append(o.problems, Problem{Name: "InputError", Message: err.Error(), Fatal: true})
		return o
	}
	o.relations = rels
	if strings.EqualFold(ent.Kind(), "Location") {
		o.isLoc = true
		e.readLocation(ctx, o)
		if o.light {
			e.dropFiles(o)
		}
	}
	return o
}

// validate checks an entity against the CUE schemas, unless the same
// unprocessed JSON passed before (validCache).
func (e *Engine) validate(unprocessed []byte, ent model.Entity) []errs.FieldError {
	key := sha256.Sum256(unprocessed)
	if e.valid.has(key) {
		return nil
	}
	fe := e.validator.Validate(docOf(ent))
	if len(fe) == 0 {
		e.valid.add(key)
	}
	return fe
}

func validationProblem(ent model.Entity, fe []errs.FieldError) Problem {
	msgs := make([]string, len(fe))
	for i, f := range fe {
		msgs[i] = f.String()
	}
	return Problem{
		Name:    "InputError",
		Message: fmt.Sprintf("Policy check failed for %s: %s", ent.Ref(), strings.Join(msgs, "; ")),
		Fields:  fe,
		Fatal:   true,
	}
}

// normalize applies Backstage's processing defaults: the default
// namespace and sorted spec ref lists.
func normalize(ent model.Entity) {
	md := ent.Metadata()
	if ns, _ := md["namespace"].(string); ns == "" {
		md["namespace"] = model.DefaultNamespace
	}
	spec := ent.Spec()
	for _, f := range sortedSpecLists {
		list, ok := spec[f].([]any)
		if !ok {
			continue
		}
		slices.SortStableFunc(list, func(a, b any) int {
			as, _ := a.(string)
			bs, _ := b.(string)
			return strings.Compare(as, bs)
		})
	}
}

func docOf(ent model.Entity) parse.Document {
	return parse.Document{File: sourceFile(ent), Entity: ent}
}

func sourceFile(ent model.Entity) string {
	loc := ent.Annotation(model.AnnotationManagedByLocation)
	if _, target, err := model.ParseLocationRef(loc); err == nil {
		return target
	}
	return ""
}

// readLocation reads every target of a Location entity into children.
func (e *Engine) readLocation(ctx context.Context, o *outcome) {
	ent := o.entity
	parentType, parentTarget, err := model.ParseLocationRef(ent.Annotation(model.AnnotationManagedByLocation))
	if err != nil {
		o.problems = append(o.problems, Problem{Name: "InputError", Message: "location entity has no valid managed-by-location annotation", Fatal: true})
		return
	}
	origin := ent.Annotation(model.AnnotationManagedByOriginLocation)
	typ := ent.SpecString("type")
	if typ == "" {
		typ = parentType
	}
	if typ == "file" && parentType != "file" {
		o.problems = append(o.problems, Problem{Name: "NotAllowedError", Message: fmt.Sprintf("a %s location may not point at file targets", parentType), Fatal: true})
		return
	}
	targets := ent.SpecStrings("targets")
	if t := ent.SpecString("target"); t != "" {
		targets = append([]string{t}, targets...)
	}
	optional := ent.SpecString("presence") == "optional"
	for _, t := range targets {
		resolved, err := resolveTarget(typ, parentTarget, t)
		if err != nil {
			o.problems = append(o.problems, Problem{Name: "InputError", Message: err.Error(), Fatal: true})
			return
		}
		if err := e.readTarget(ctx, o, typ, resolved, origin, optional); err != nil {
			o.problems = append(o.problems, problemOf(err, true))
			return
		}
	}
}

func (e *Engine) readTarget(ctx context.Context, o *outcome, typ, target, origin string, optional bool) error {
	r, ok := e.readers[typ]
	if !ok {
		return errs.Input("no reader for location type %q", typ)
	}
	files, err := r.Read(ctx, target)
	if errors.Is(err, errs.ErrNotFound) && optional {
		return nil
	}
	if err != nil {
		return err
	}
	read := readFiles{typ: typ, origin: origin, files: files}
	o.read = append(o.read, read)
	for _, f := range files {
		err := e.eachChild(ctx, read, f, nil, func(c store.Deferred, p *Problem) error {
			if p != nil {
				o.problems = append(o.problems, *p)
				return nil
			}
			o.addChild(c)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// eachChild turns the documents of one file into children, on every core
// (parse.Map), and hands each to fn in file order with the problem that
// kept it from being one, if any. prep, when not nil, is called on each
// child there too, with the entity its JSON encodes. A file whose bytes
// were let go (dropFiles) is read again from its reader as it is parsed.
func (e *Engine) eachChild(ctx context.Context, r readFiles, f File, prep func(*store.Deferred, model.Entity), fn func(store.Deferred, *Problem) error) error {
	key := model.LocationRef(r.typ, f.Target)
	type made struct {
		child   store.Deferred
		problem *Problem
	}
	conv := func(d parse.Document) made {
		c, p := e.child(d.Entity, d.KeyOrder(), key, r.origin, r.typ, f.Target)
		if p == nil && prep != nil {
			prep(&c, d.Entity) // as child left it: what c.Entity encodes
		}
		return made{c, p}
	}
	emit := func(m made) error { return fn(m.child, m.problem) }
	if f.Data != nil {
		return parse.Map(f.Target, f.Data, conv, emit)
	}
	rc, err := e.readers[r.typ].(againReader).OpenAgain(ctx, f.Target)
	if err != nil {
		return err
	}
	defer rc.Close()
	return parse.MapReader(f.Target, rc, conv, emit)
}

// addChild keeps a child; past lightAfter children it keeps no JSON.
func (o *outcome) addChild(c store.Deferred) {
	if !o.light && !o.keepBodies && len(o.children) >= lightAfter {
		o.light = true
		for i := range o.children {
			o.children[i].Entity = nil
		}
	}
	if o.light {
		c.Entity = nil
	}
	o.children = append(o.children, c)
}

// bodies yields the children of a light outcome again, with their JSON,
// in the order they were read, the new ones already processed and
// stitched by b.
func (e *Engine) bodies(ctx context.Context, o *outcome, b *bulk) iter.Seq[store.Deferred] {
	read := o.read
	return func(yield func(store.Deferred) bool) {
		stop := errors.New("stop")
		for _, r := range read {
			for _, f := range r.files {
				err := e.eachChild(ctx, r, f, b.prepare, func(c store.Deferred, p *Problem) error {
					if p == nil && !yield(c) {
						return stop
					}
					return nil
				})
				var problems *errs.ValidationError
				switch {
				case err == nil, errors.As(err, &problems):
					// The first reading reported the file's problems.
				case errors.Is(err, stop):
					return
				default:
					// The write reports the children not read again.
					e.log.Warn("read location file again", "target", f.Target, "err", err)
					return
				}
			}
		}
	}
}

// againReader is a Reader that opens one of its files again cheaply: a
// local file.
type againReader interface {
	OpenAgain(ctx context.Context, target string) (io.ReadCloser, error)
}

// dropFiles lets go of the bytes of the files a light outcome read, when
// their reader can open them again: bodies then parses each file again as
// it reads it (parse.MapReader), and 100,000 children (a 40 MB file) are
// written without the file in memory. A file changed meanwhile yields
// children whose hashes do not match, which the write reports; the
// location is read again at its next refresh.
func (e *Engine) dropFiles(o *outcome) {
	for i, r := range o.read {
		if _, ok := e.readers[r.typ].(againReader); !ok {
			continue
		}
		files := slices.Clone(r.files)
		for j := range files {
			files[j].Data = nil
		}
		o.read[i].files = files
	}
}

// child turns one document into a deferred entity, with the location
// annotations set (computed values win over the YAML's), or says why it
// cannot be one.
func (e *Engine) child(child model.Entity, order *model.KeyOrder, key, origin, typ, target string) (store.Deferred, *Problem) {
	kind, _ := child["kind"].(string)
	name, _ := child.Metadata()["name"].(string)
	if _, ok := child["apiVersion"].(string); !ok || kind == "" || name == "" {
		return store.Deferred{}, &Problem{Name: "InputError", Message: fmt.Sprintf("%s: entity must have apiVersion, kind and metadata.name", target)}
	}
	if !e.rules.allowed(kind, typ, target) {
		return store.Deferred{}, &Problem{Name: "NotAllowedError", Message: fmt.Sprintf("Entity %s at %s, originated at %s, is not of an allowed kind for that location", child.Ref(), key, origin)}
	}
	child.SetAnnotation(model.AnnotationManagedByLocation, key)
	child.SetAnnotation(model.AnnotationManagedByOriginLocation, origin)
	if typ == "url" && child.Annotation(model.AnnotationViewURL) == "" {
		// Backstage's AnnotateLocationEntityProcessor merges its view-url
		// under the entity, so one written in the YAML wins.
		child.SetAnnotation(model.AnnotationViewURL, target)
	}
	data, err := model.MarshalOrdered(child, order)
	if err != nil {
		return store.Deferred{}, &Problem{Name: "InputError", Message: fmt.Sprintf("%s: %s", target, err)}
	}
	return store.Deferred{Ref: child.Ref().String(), Entity: data, Hash: hashOf(data), LocationKey: key}, nil
}

func problemOf(err error, fatal bool) Problem {
	name := "Error"
	switch {
	case errors.Is(err, errs.ErrInput):
		name = "InputError"
	case errors.Is(err, errs.ErrNotFound):
		name = "NotFoundError"
	case errors.Is(err, errs.ErrNotAllowed):
		name = "NotAllowedError"
	}
	p := Problem{Name: name, Message: err.Error(), Fatal: fatal}
	var ve *errs.ValidationError
	if errors.As(err, &ve) {
		p.Fields = ve.Fields
	}
	return p
}

func hashOf(parts ...[]byte) string {
	h := sha1.New()
	for _, p := range parts {
		h.Write(p)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
