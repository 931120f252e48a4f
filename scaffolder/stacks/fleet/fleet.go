// Package fleet is the Day-2 service of stack templates: it loads the
// configured template sources, publishes each template's newest version
// in the catalog, lists the stacks launched from them and plans their
// upgrades (package upgrade) against what their repositories hold now.
package fleet

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/stacks"
	"github.com/stackyard/stackyard/scaffolder/stacks/store"
	"github.com/stackyard/stackyard/scaffolder/stacks/upgrade"
)

// Provider is the name under which the Template entities are published
// in the catalog (catalog.Service.PublishProvided).
const Provider = "StackTemplateProvider"

// Options configure a Service.
type Options struct {
	// Sources are the template sources: git URLs or absolute paths.
	Sources []string
	// Template configures every compiled template version; Name is set per version.
	Template stacks.Options
	// Audit authorises and records plans, upgrades and rollouts; nil
	// authorises without records.
	Audit *audit.Log
	// Catalog receives the Template entities and the stacks' entities.
	Catalog Publisher
	// Logger; nil discards.
	Logger *slog.Logger
}

// Service serves the stacks plugin.
type Service struct {
	store *store.Store
	opts  Options
	log   *slog.Logger
	tasks Tasks // set by UseTasks

	mu        sync.RWMutex      // guards templates, names and every entry
	templates map[string]*entry // by template name
	names     []string          // sorted
}

type entry struct {
	source *stacks.Source
	latest *stacks.Template
	loaded map[string]*stacks.Template
}

// New opens every source and compiles its newest version. Two sources
// with the same template name are an error.
func New(ctx context.Context, st *store.Store, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: st, opts: opts, log: opts.Logger, templates: map[string]*entry{}}
	for _, loc := range opts.Sources {
		src, err := stacks.OpenSource(ctx, loc)
		if err != nil {
			return nil, err
		}
		t, err := src.Load(ctx, src.Latest(), s.compileOptions(loc, src.Latest()))
		if err != nil {
			return nil, fmt.Errorf("load template %s: %w", loc, err)
		}
		if other, dup := s.templates[t.Name]; dup {
			return nil, fmt.Errorf("template %s is defined by both %s and %s: %w", t.Name, other.source.Location(), loc, errs.ErrInput)
		}
		s.templates[t.Name] = &entry{source: src, latest: t, loaded: map[string]*stacks.Template{t.Version: t}}
		s.names = append(s.names, t.Name)
	}
	sort.Strings(s.names)
	return s, nil
}

func (s *Service) compileOptions(loc, version string) stacks.Options {
	o := s.opts.Template
	o.Name = strings.TrimSuffix(loc, "/") + "/" + version
	return o
}

// TemplateEntities are the Template entities of every template's newest
// version, annotated with the source they come from.
func (s *Service) TemplateEntities() []model.Entity {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]model.Entity, 0, len(s.names))
	for _, name := range s.names {
		e := s.templates[name]
		ent := e.latest.TemplateEntity()
		key := locationKey(e.source.Location())
		ent.SetAnnotation(model.AnnotationManagedByLocation, key)
		ent.SetAnnotation(model.AnnotationManagedByOriginLocation, key)
		out = append(out, ent)
	}
	return out
}

func locationKey(loc string) string {
	if strings.Contains(loc, "://") || strings.HasPrefix(loc, "git@") {
		return "url:" + loc
	}
	abs, err := filepath.Abs(loc)
	if err != nil {
		abs = loc
	}
	return "file:" + abs
}

// TemplateInfo describes one template in GET /templates.
type TemplateInfo struct {
	Name        string   `json:"name"`
	Ref         string   `json:"ref"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Owner       string   `json:"owner"`
	Latest      string   `json:"latestVersion"`
	Versions    []string `json:"versions"`
	Source      string   `json:"source"`
}

// Templates lists the configured templates by name.
func (s *Service) Templates() []TemplateInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]TemplateInfo, 0, len(s.names))
	for _, name := range s.names {
		e := s.templates[name]
		out = append(out, TemplateInfo{Name: name, Ref: templateRef(name), Title: e.latest.Title, Description: e.latest.Description,
			Owner: e.latest.Owner, Latest: e.latest.Version, Versions: e.source.Versions(), Source: e.source.Location()})
	}
	return out
}

// VersionInfo is one version of a template with its changelog.
type VersionInfo struct {
	Version   string `json:"version"`
	Changelog string `json:"changelog"`
	Digest    string `json:"digest"`
	Latest    bool   `json:"latest"`
}

// Versions lists a template's versions, newest first, with their changelog.
func (s *Service) Versions(ctx context.Context, name string) ([]VersionInfo, error) {
	e, err := s.entry(name)
	if err != nil {
		return nil, err
	}
	vs := e.source.Versions()
	latest := e.latest.Version
	out := make([]VersionInfo, 0, len(vs))
	for i := len(vs) - 1; i >= 0; i-- {
		t, err := s.Template(ctx, name, vs[i])
		if err != nil {
			return nil, err
		}
		out = append(out, VersionInfo{Version: t.Version, Changelog: t.Changelog, Digest: t.Digest, Latest: t.Version == latest})
	}
	return out, nil
}

// Template returns one compiled version of a template, compiling it on
// first use.
func (s *Service) Template(ctx context.Context, name, version string) (*stacks.Template, error) {
	s.mu.RLock()
	e, ok := s.templates[name]
	var t *stacks.Template
	if ok {
		t = e.loaded[version]
	}
	s.mu.RUnlock()
	switch {
	case !ok:
		return nil, errs.NotFound("no stack template named %s", name)
	case t != nil:
		return t, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := e.loaded[version]; ok {
		return t, nil
	}
	t, err := e.source.Load(ctx, version, s.compileOptions(e.source.Location(), version))
	if err != nil {
		return nil, err
	}
	e.loaded[version] = t
	return t, nil
}

// entry returns a copy of a template's entry, safe to read without s.mu.
func (s *Service) entry(name string) (entry, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.templates[templateName(name)]
	if !ok {
		return entry{}, errs.NotFound("no stack template named %s", name)
	}
	return *e, nil
}

// Latest returns the newest version of a template.
func (s *Service) Latest(name string) (string, error) {
	e, err := s.entry(name)
	if err != nil {
		return "", err
	}
	return e.latest.Version, nil
}

// StackView is a stack with the newest version of its template.
type StackView struct {
	*store.Stack
	LatestVersion string `json:"latestVersion"`
	Behind        bool   `json:"behind"`
}

// Filter selects stacks for GET /stacks.
type Filter struct {
	Owner    string
	Template string // a template name or ref
	Behind   bool   // only stacks older than their template's newest version
}

// Stacks lists the stacks matching f.
func (s *Service) Stacks(ctx context.Context, f Filter) ([]StackView, error) {
	sf := store.Filter{Owner: f.Owner}
	if f.Template != "" {
		sf.Template = templateRef(f.Template)
	}
	list, err := s.store.List(ctx, sf)
	if err != nil {
		return nil, err
	}
	out := make([]StackView, 0, len(list))
	for _, st := range list {
		v := s.view(st)
		if f.Behind && !v.Behind {
			continue
		}
		out = append(out, v)
	}
	return out, nil
}

// Stack returns one stack.
func (s *Service) Stack(ctx context.Context, namespace, name string) (StackView, error) {
	st, err := s.store.Get(ctx, namespace, name)
	if err != nil {
		return StackView{}, err
	}
	return s.view(st), nil
}

func (s *Service) view(st *store.Stack) StackView {
	v := StackView{Stack: st}
	if e, err := s.entry(st.Template); err == nil {
		v.LatestVersion = e.latest.Version
		v.Behind = newer(v.LatestVersion, st.Version)
	}
	return v
}

// Plan plans upgrading a stack to toVersion (empty: the newest). Only the
// stack's owner or an admin may plan; a denial is audited and returns
// errs.ErrNotAllowed.
func (s *Service) Plan(ctx context.Context, namespace, name, toVersion string) (*upgrade.Plan, error) {
	st, err := s.store.Get(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	var plan *upgrade.Plan
	c := stackChange(auth.StackPlan, st)
	c.After = c.Before // planning changes nothing
	err = s.opts.Audit.Do(ctx, c, func(ctx context.Context) error {
		plan, err = s.plan(ctx, st, toVersion)
		return err
	})
	return plan, err
}

func (s *Service) plan(ctx context.Context, st *store.Stack, toVersion string) (*upgrade.Plan, error) {
	ours, err := ReadRepository(ctx, st.Repository)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", st.Ref(), err)
	}
	return s.planFiles(ctx, st, toVersion, ours)
}

// planFiles plans upgrading st to toVersion (empty: the newest) over the
// repository files ours.
func (s *Service) planFiles(ctx context.Context, st *store.Stack, toVersion string, ours map[string][]byte) (*upgrade.Plan, error) {
	tname := templateName(st.Template)
	if toVersion == "" {
		latest, err := s.Latest(tname)
		if err != nil {
			return nil, err
		}
		toVersion = latest
	}
	base, err := s.Template(ctx, tname, st.Version)
	if err != nil {
		return nil, fmt.Errorf("plan %s: base version: %w", st.Ref(), err)
	}
	target, err := s.Template(ctx, tname, toVersion)
	if err != nil {
		return nil, fmt.Errorf("plan %s: target version: %w", st.Ref(), err)
	}
	return upgrade.NewPlan(ctx, upgrade.Input{
		Stack: upgrade.Stack{Namespace: st.Namespace, Owner: st.Owner, Values: st.Values},
		Base:  base, Target: target, Ours: ours,
	})
}

func storeFilter(templateRef string) store.Filter { return store.Filter{Template: templateRef} }

func templateRef(name string) string {
	if strings.Contains(name, ":") {
		return strings.ToLower(name)
	}
	return "template:default/" + strings.ToLower(name)
}

func templateName(ref string) string {
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		return ref[i+1:]
	}
	if i := strings.LastIndex(ref, ":"); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

// newer reports whether version a is newer than b; unparsable versions are not.
func newer(a, b string) bool {
	va, err1 := stacks.ParseVersion(a)
	vb, err2 := stacks.ParseVersion(b)
	return err1 == nil && err2 == nil && va.Compare(vb) > 0
}
