package processing

import (
	"fmt"
	"strings"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/store"
)

// relationField says which relation a spec field emits and which kind a
// ref in it defaults to ("" means the ref must name its kind).
type relationField struct {
	field       string
	list        bool
	relation    string
	defaultKind string
}

// relationFields lists, per kind, the spec fields that emit relations, as
// Backstage's BuiltinKindsEntityProcessor does.
var relationFields = map[string][]relationField{
	"component": {
		{"owner", false, "ownedBy", "Group"},
		{"system", false, "partOf", "System"},
		{"subcomponentOf", false, "partOf", "Component"},
		{"providesApis", true, "providesApi", "API"},
		{"consumesApis", true, "consumesApi", "API"},
		{"dependsOn", true, "dependsOn", ""},
		{"dependencyOf", true, "dependencyOf", ""},
	},
	"api": {
		{"owner", false, "ownedBy", "Group"},
		{"system", false, "partOf", "System"},
	},
	"resource": {
		{"owner", false, "ownedBy", "Group"},
		{"system", false, "partOf", "System"},
		{"dependsOn", true, "dependsOn", ""},
		{"dependencyOf", true, "dependencyOf", ""},
	},
	"system": {
		{"owner", false, "ownedBy", "Group"},
		{"domain", false, "partOf", "Domain"},
	},
	"domain": {
		{"owner", false, "ownedBy", "Group"},
		{"subdomainOf", false, "partOf", "Domain"},
	},
	"group": {
		{"parent", false, "childOf", "Group"},
		{"children", true, "parentOf", "Group"},
		{"members", true, "hasMember", "User"},
	},
	"user": {
		{"memberOf", true, "memberOf", "Group"},
	},
	"template": {
		{"owner", false, "ownedBy", "Group"},
	},
}

// sortedSpecLists are the spec arrays Backstage sorts during processing.
var sortedSpecLists = []string{"providesApis", "consumesApis", "dependsOn", "dependencyOf", "memberOf", "children", "members"}

// emitRelations returns both directions of every relation e's spec names.
// A ref that cannot be parsed is an error, as in Backstage.
func emitRelations(e model.Entity) ([]store.RelationRow, error) {
	self := e.Ref()
	selfRef := self.String()
	var out []store.RelationRow
	for _, f := range relationFields[strings.ToLower(e.Kind())] {
		var refs []string
		if f.list {
			refs = e.SpecStrings(f.field)
		} else if s := e.SpecString(f.field); s != "" {
			refs = []string{s}
		}
		for _, raw := range refs {
			target, err := model.ParseRef(raw, f.defaultKind, self.Namespace)
			if err != nil {
				return nil, fmt.Errorf("spec.%s: %w", f.field, err)
			}
			t := target.String()
			out = append(out,
				store.RelationRow{Source: selfRef, Type: f.relation, Target: t},
				store.RelationRow{Source: t, Type: model.ReverseRelation(f.relation), Target: selfRef})
		}
	}
	return out, nil
}
