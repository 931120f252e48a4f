package stacks

import (
	"encoding/json"
	"strings"
	"testing"
)

// exportSrc is a template whose guardrails span what the export handles:
// an open integer against a bounded one, an enum against an integer, one
// the window cannot vouch for, and one that reads a hidden field.
const exportSrc = `package t

template: {name: "mini", version: "1.0.0", title: "Mini", description: "d", owner: "group:default/platform"}
_limit: 3
parameters: {
	name!:  string
	owner!: string
	tier:   *"small" | "large"
	size:   int & >=1 & <=4 | *1
	spare:  int & >=0 | *0
	extra:  int & >=0 | *0
	other:  int & >=0 | *0
}
files: "README.md": "# \(parameters.name)\n"
entities: []
guardrails: {
	"spare-below-size": {ok: parameters.spare < parameters.size, message: "spare (\(parameters.spare)) must be below size (\(parameters.size))", fields: ["spare", "size"]}
	"large-is-big": {ok: parameters.tier != "large" || parameters.size >= 3, message: "a large tier needs size 3 or more", fields: ["size", "tier"]}
	"odd-rule": {ok: parameters.extra < parameters.size || parameters.extra == 30, message: "extra", fields: ["extra", "size"]}
	"hidden": {ok: parameters.other < _limit, message: "other", fields: ["other"]}
}
`

func TestFormRules_ExportsWhatCUEDecides(t *testing.T) {
	t.Parallel()
	tpl, err := compileSource(t, exportSrc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]formRule{}
	for _, r := range tpl.formRules() {
		got[r.Guardrail] = r
	}
	if len(got) != 2 || got["odd-rule"].Guardrail != "" || got["hidden"].Guardrail != "" {
		t.Fatalf("exported %v, want spare-below-size and large-is-big only", got)
	}
	spare := got["spare-below-size"]
	if spare.Target != "spare" || len(spare.Cases) != 4 {
		t.Fatalf("spare-below-size = %+v", spare)
	}
	c, _ := json.Marshal(spare.Cases[2].Constraint)
	if spare.Cases[2].When[0] != int64(3) ||
		string(c) != `{"exclusiveMaximum":3,"errorMessage":"spare (${0}) must be below size (3)"}` {
		t.Fatalf("size 3 case: when %v, %s", spare.Cases[2].When, c)
	}
	large := got["large-is-big"]
	if large.Target != "size" || len(large.Cases) != 1 || large.Cases[0].When[0] != "large" {
		t.Fatalf("large-is-big = %+v", large)
	}
	c, _ = json.Marshal(large.Cases[0].Constraint)
	if string(c) != `{"exclusiveMinimum":2,"errorMessage":"a large tier needs size 3 or more"}` {
		t.Fatalf("large case: %s", c)
	}
	schema, _ := json.Marshal(tpl.ParametersSchema())
	if !strings.Contains(string(schema), `"if":{"properties":{"tier":{"const":"large"}},"required":["tier"]}`) {
		t.Fatalf("schema lacks the large-tier case: %s", schema)
	}
}
