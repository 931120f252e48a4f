package query

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stackyard/stackyard/catalog/model"
)

// The generator below builds synthetic stitched entities shaped like the
// output of ../shared/peer-backstage/gen-fixtures.js after Backstage has
// processed them: about 2% Groups, 10% Users, 3% Systems, 15% APIs, 15%
// Resources and 55% Components, with tags, annotations, links, location
// annotations, uids, etags and both directions of every relation.

var (
	genAreas = []string{"billing", "checkout", "search", "identity", "catalog", "shipping",
		"inventory", "pricing", "payments", "reviews", "notifications", "analytics",
		"ads", "media", "messaging", "risk", "ledger", "onboarding", "support", "maps"}
	genNouns = []string{"gateway", "service", "worker", "api", "engine", "store", "indexer",
		"scheduler", "proxy", "exporter", "importer", "router", "cache", "bridge", "agent"}
	genFirst = []string{"alex", "sam", "kim", "lee", "jo", "max", "ana", "li", "noa", "eli",
		"mia", "ola", "raj", "tom", "zoe", "ivy", "ben", "eva", "kai", "ada"}
	genLast = []string{"smith", "garcia", "nguyen", "kowalski", "muller", "rossi", "tanaka",
		"silva", "novak", "haddad", "okafor", "larsen", "dubois", "ivanova", "chen"}
	genLangs     = []string{"go", "java", "kotlin", "python", "typescript", "rust", "ruby"}
	genLifecycle = []string{"production", "production", "production", "production", "production",
		"production", "experimental", "experimental", "experimental", "deprecated"}
)

// genCatalog holds generated entities by ref and the relations to stitch.
type genCatalog struct {
	rnd      *rand.Rand
	entities []model.Entity
	byRef    map[string]model.Entity
	uidSeq   int
}

// generateEntities returns n stitched entities, deterministically for a seed.
func generateEntities(n int, seed uint64) []model.Entity {
	g := &genCatalog{rnd: rand.New(rand.NewPCG(seed, 42)), byRef: map[string]model.Entity{}}
	groups := max(2, n*2/100)
	users := max(1, n*10/100)
	systems := max(1, n*3/100)
	apis := max(1, n*15/100)
	resources := max(1, n*15/100)
	components := n - groups - users - systems - apis - resources
	teams := g.groups(groups)
	g.users(users, teams)
	sys := g.systems(systems, teams)
	apiNames := g.apis(apis, teams, sys)
	res := g.resources(resources, teams, sys)
	g.components(components, teams, sys, apiNames, res)
	g.stitch()
	return g.entities
}

func (g *genCatalog) pick(list []string) string { return list[g.rnd.IntN(len(list))] }

func (g *genCatalog) add(kind, name string, metadata, spec map[string]any, rels ...model.Relation) {
	g.uidSeq++
	r := g.rnd.Uint64()
	metadata["name"] = name
	metadata["namespace"] = "default"
	metadata["uid"] = fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(r), uint16(r>>32), g.uidSeq%4096, uint16(r>>48)%4096, g.rnd.Uint64()%(1<<48))
	metadata["etag"] = fmt.Sprintf("%040x", g.rnd.Uint64())
	ann, _ := metadata["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
		metadata["annotations"] = ann
	}
	ann[model.AnnotationManagedByLocation] = "url:https://github.com/example/catalog/blob/main/gen.yaml"
	ann[model.AnnotationManagedByOriginLocation] = "url:https://github.com/example/catalog/blob/main/gen.yaml"
	apiVersion := "backstage.io/v1alpha1"
	e := model.Entity{"apiVersion": apiVersion, "kind": kind, "metadata": metadata, "spec": spec}
	e["relations"] = rels
	g.entities = append(g.entities, e)
	g.byRef[strings.ToLower(kind)+":default/"+name] = e
}

func (g *genCatalog) groups(n int) []string {
	depts := max(1, min(n-1, (n+9)/10))
	var teams []string
	for i := range n {
		name := fmt.Sprintf("team-%s-%05d", g.pick(genAreas), i)
		typ, parent := "team", fmt.Sprintf("dept-%05d", i%depts)
		if i < depts {
			name, typ = fmt.Sprintf("dept-%05d", i), "department"
		} else {
			teams = append(teams, name)
		}
		spec := map[string]any{"type": typ, "children": []any{},
			"profile": map[string]any{"displayName": strings.ReplaceAll(name, "-", " "), "email": name + "@example.com"}}
		var rels []model.Relation
		if typ == "team" {
			spec["parent"] = parent
			rels = append(rels, model.Relation{Type: "childOf", TargetRef: "group:default/" + parent})
		}
		g.add("Group", name, map[string]any{"description": "Team working on " + name}, spec, rels...)
	}
	return teams
}

func (g *genCatalog) users(n int, teams []string) {
	for i := range n {
		first, last := g.pick(genFirst), g.pick(genLast)
		name := fmt.Sprintf("%s.%s.%05d", first, last, i)
		team := g.pick(teams)
		spec := map[string]any{"memberOf": []any{team},
			"profile": map[string]any{"displayName": strings.ToUpper(first[:1]) + first[1:] + " " + strings.ToUpper(last[:1]) + last[1:], "email": name + "@example.com"}}
		g.add("User", name, map[string]any{}, spec, model.Relation{Type: "memberOf", TargetRef: "group:default/" + team})
	}
}

func (g *genCatalog) systems(n int, teams []string) []string {
	var names []string
	for i := range n {
		area := g.pick(genAreas)
		name := fmt.Sprintf("sys-%s-%05d", area, i)
		owner := "group:default/" + g.pick(teams)
		g.add("System", name, map[string]any{"description": "The " + area + " system", "tags": []any{area}},
			map[string]any{"owner": owner}, model.Relation{Type: "ownedBy", TargetRef: owner})
		names = append(names, name)
	}
	return names
}

func (g *genCatalog) apis(n int, teams, systems []string) []string {
	var names []string
	for i := range n {
		area := g.pick(genAreas)
		name := fmt.Sprintf("%s-api-%05d", area, i)
		typ := []string{"openapi", "openapi", "openapi", "grpc", "asyncapi", "graphql"}[g.rnd.IntN(6)]
		owner, sys := g.pick(teams), g.pick(systems)
		def := "openapi: 3.0.0\ninfo:\n  title: " + name + "\n  version: 1.0.0\npaths:\n  /" + area + ":\n    get:\n      responses:\n        '200':\n          description: ok\n"
		g.add("API", name, map[string]any{"description": typ + " API for " + area, "tags": []any{typ, area}},
			map[string]any{"type": typ, "lifecycle": g.pick(genLifecycle), "owner": owner, "system": sys, "definition": def},
			model.Relation{Type: "ownedBy", TargetRef: "group:default/" + owner},
			model.Relation{Type: "partOf", TargetRef: "system:default/" + sys})
		names = append(names, name)
	}
	return names
}

func (g *genCatalog) resources(n int, teams, systems []string) []string {
	types := map[string]string{"db": "database", "bucket": "s3-bucket", "queue": "queue", "cache": "cache", "topic": "kafka-topic"}
	words := []string{"db", "bucket", "queue", "cache", "topic"}
	var names []string
	for i := range n {
		area, word := g.pick(genAreas), g.pick(words)
		name := fmt.Sprintf("%s-%s-%05d", area, word, i)
		owner, sys := "group:default/"+g.pick(teams), g.pick(systems)
		g.add("Resource", name, map[string]any{"description": types[word] + " used by " + area},
			map[string]any{"type": types[word], "owner": owner, "system": sys},
			model.Relation{Type: "ownedBy", TargetRef: owner}, model.Relation{Type: "partOf", TargetRef: "system:default/" + sys})
		names = append(names, name)
	}
	return names
}

func (g *genCatalog) components(n int, teams, systems, apis, resources []string) {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%s-%05d", g.pick(genAreas), g.pick(genNouns), i)
	}
	for i, name := range names {
		area, noun, _ := strings.Cut(name, "-")
		noun, _, _ = strings.Cut(noun, "-")
		lang := g.pick(genLangs)
		typ := []string{"service", "service", "service", "website", "library"}[g.rnd.IntN(5)]
		owner, sys := "group:default/"+g.pick(teams), g.pick(systems)
		md := map[string]any{"description": area + " " + noun + " written in " + lang, "tags": []any{lang, area},
			"annotations": map[string]any{"github.com/project-slug": "example/" + name}}
		if g.rnd.Float64() < 0.3 {
			md["links"] = []any{map[string]any{"url": "https://example.com/" + name, "title": "Dashboard"}}
		}
		spec := map[string]any{"type": typ, "lifecycle": g.pick(genLifecycle), "owner": owner, "system": sys}
		rels := []model.Relation{{Type: "ownedBy", TargetRef: owner}, {Type: "partOf", TargetRef: "system:default/" + sys}}
		if len(apis) > 0 && i%3 == 0 {
			api := apis[(i/3)%len(apis)]
			spec["providesApis"] = []any{api}
			rels = append(rels, model.Relation{Type: "providesApi", TargetRef: "api:default/" + api})
		}
		var deps []any
		for range g.rnd.IntN(4) {
			ref := "component:default/" + names[g.rnd.IntN(n)]
			if g.rnd.IntN(2) == 0 {
				ref = "resource:default/" + g.pick(resources)
			}
			deps = append(deps, ref)
			rels = append(rels, model.Relation{Type: "dependsOn", TargetRef: ref})
		}
		if deps != nil {
			spec["dependsOn"] = deps
		}
		g.add("Component", name, md, spec, rels...)
	}
}

// stitch adds the reverse of every relation whose target exists, sorts and
// deduplicates relations, and converts them to JSON shapes.
func (g *genCatalog) stitch() {
	for _, e := range g.entities {
		from := e.Ref().String()
		for _, r := range e["relations"].([]model.Relation) {
			if t, ok := g.byRef[r.TargetRef]; ok {
				t["relations"] = append(t["relations"].([]model.Relation), model.Relation{Type: model.ReverseRelation(r.Type), TargetRef: from})
			}
		}
	}
	for _, e := range g.entities {
		rels := model.SortRelations(e["relations"].([]model.Relation))
		out := make([]any, len(rels))
		for i, r := range rels {
			out[i] = map[string]any{"type": r.Type, "targetRef": r.TargetRef}
		}
		e["relations"] = out
	}
}

// docsFor turns entities into index documents.
func docsFor(tb testing.TB, entities []model.Entity) []Doc {
	tb.Helper()
	docs := make([]Doc, len(entities))
	for i, e := range entities {
		b, err := json.Marshal(e)
		if err != nil {
			tb.Fatal(err)
		}
		d, err := NewDoc(e, b)
		if err != nil {
			tb.Fatal(err)
		}
		docs[i] = d
	}
	return docs
}
