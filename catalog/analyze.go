package catalog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/query"
	"github.com/stackyard/stackyard/internal/errs"
)

// LocationPage is the body of POST /locations/by-query.
type LocationPage struct {
	Items      []model.Location `json:"items"`
	TotalItems int              `json:"totalItems"`
	PageInfo   map[string]any   `json:"pageInfo"`
}

type locationCursor struct {
	Limit   int             `json:"limit"`
	AfterID string          `json:"afterId"`
	Query   json.RawMessage `json:"query,omitempty"`
}

// QueryLocations pages through registered locations ordered by id,
// filtered by a predicate over id, type, target and entityRef.
func (s *Service) QueryLocations(ctx context.Context, rawQuery json.RawMessage, cursor string, limit *int) (LocationPage, error) {
	cur := locationCursor{Limit: 1000, Query: rawQuery}
	if limit != nil {
		cur.Limit = *limit
	}
	if cursor != "" {
		data, err := base64.StdEncoding.DecodeString(cursor)
		if err != nil || json.Unmarshal(data, &cur) != nil || cur.Limit < 1 {
			return LocationPage{}, errs.Input("Malformed cursor: could not decode %q", cursor)
		}
	}
	pred := query.Predicate{}
	if len(cur.Query) > 0 && string(cur.Query) != "null" {
		p, err := query.ParsePredicate(cur.Query)
		if err != nil {
			return LocationPage{}, err
		}
		pred = p
	}
	locs, err := s.store.Locations(ctx)
	if err != nil {
		return LocationPage{}, err
	}
	matches, err := matchLocations(ctx, locs, pred)
	if err != nil {
		return LocationPage{}, err
	}
	page := LocationPage{Items: []model.Location{}, PageInfo: map[string]any{}}
	for i, l := range locs {
		if matches[i] == nil {
			continue
		}
		page.TotalItems++
		if l.ID <= cur.AfterID {
			continue
		}
		if len(page.Items) == cur.Limit {
			next, _ := json.Marshal(locationCursor{Limit: cur.Limit, AfterID: page.Items[len(page.Items)-1].ID, Query: cur.Query})
			page.PageInfo["nextCursor"] = base64.StdEncoding.EncodeToString(next)
			continue
		}
		page.Items = append(page.Items, l)
	}
	return page, nil
}

// matchLocations evaluates a predicate over locations with the same
// engine that filters entities: a small index keyed by location id, where
// a nil slot means no match.
func matchLocations(ctx context.Context, locs []model.Location, pred query.Predicate) ([][]byte, error) {
	ix := query.NewIndex()
	ids := make([]string, len(locs))
	for i, l := range locs {
		ids[i] = strings.ToLower(l.ID)
		ix.Upsert(query.Doc{UID: l.ID, Ref: ids[i], JSON: []byte("{}"), Rows: []query.Row{
			row("id", l.ID), row("type", l.Type), row("target", l.Target), row("entityref", l.EntityRef)}})
	}
	return ix.ByRefs(ctx, ids, pred, nil)
}

func row(k, v string) query.Row {
	return query.Row{Key: k, Value: strings.ToLower(v), Original: v, HasValue: true}
}

// AnalyzeLocation answers POST /analyze-location. For a repository URL it
// suggests a Component named after the repository, as Backstage's
// RepoLocationAnalyzer does without analyzer modules: no fields to fill in,
// and a "<host>/project-slug" annotation only on the hosts of Backstage's
// default SCM integrations. For a .yaml or .yml file, which the stock UI
// registers without analysing, Stackyard goes further than Backstage and
// lists the entities in the file.
func (s *Service) AnalyzeLocation(ctx context.Context, typ, target, filename string) (map[string]any, error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, errs.Input("The given location.target is not a URL")
	}
	if strings.HasSuffix(u.Path, ".yaml") || strings.HasSuffix(u.Path, ".yml") {
		return s.analyzeFile(ctx, target)
	}
	owner, name := repoName(u)
	meta := map[string]any{"name": name}
	if prefix, ok := scmAnnotationPrefix[strings.ToLower(u.Hostname())]; ok {
		meta["annotations"] = map[string]any{prefix + "/project-slug": owner + "/" + name}
	}
	suggested := map[string]any{
		"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": meta,
		"spec": map[string]any{"type": "other", "lifecycle": "unknown"},
	}
	return map[string]any{
		"existingEntityFiles": []any{},
		"generateEntities":    []any{map[string]any{"entity": suggested, "fields": []any{}}},
	}, nil
}

// scmAnnotationPrefix maps the hosts of Backstage's default SCM
// integrations to the prefix of their project-slug annotation.
var scmAnnotationPrefix = map[string]string{
	"github.com": "github.com", "gitlab.com": "gitlab.com",
	"bitbucket.org": "bitbucket.org", "dev.azure.com": "dev.azure.com",
}

// repoName splits a repository URL into owner and name as git-url-parse
// does for the common shapes: the path up to a tree, blob or similar
// segment, its last segment (without .git) as the name and the rest as the
// owner; Azure DevOps names the repository after _git.
func repoName(u *url.URL) (owner, name string) {
	var segs []string
	for _, s := range strings.Split(u.Path, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	for i, s := range segs {
		if s == "_git" && i > 0 && i+1 < len(segs) {
			return segs[i-1], strings.TrimSuffix(segs[i+1], ".git")
		}
		if i >= 2 && (s == "tree" || s == "blob" || s == "-" || s == "src" || s == "raw") {
			segs = segs[:i]
			break
		}
	}
	if len(segs) == 0 {
		return "", ""
	}
	return strings.Join(segs[:len(segs)-1], "/"), strings.TrimSuffix(segs[len(segs)-1], ".git")
}

// analyzeFile lists the entities of a catalog file as existing entity files.
func (s *Service) analyzeFile(ctx context.Context, target string) (map[string]any, error) {
	ents, err := s.engine.DryRun(ctx, rootLocation("url", target))
	if err != nil {
		return nil, err
	}
	_, regErr := s.store.LocationByTarget(ctx, "url", target)
	existing := []any{}
	for _, e := range ents[1:] {
		existing = append(existing, map[string]any{
			"entity": e, "isRegistered": regErr == nil,
			"location": map[string]string{"type": "url", "target": target},
		})
	}
	return map[string]any{"existingEntityFiles": existing, "generateEntities": []any{}}, nil
}
