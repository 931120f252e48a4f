package stacks

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
)

func TestScratch(t *testing.T) {
	ctx := context.Background()
	for _, dir := range []string{"../../schemas/stacks/web-service", "../../schemas/stacks/postgres-database"} {
		src, err := OpenSource(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range src.Versions() {
			tpl, err := src.Load(ctx, v, Options{})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.MarshalIndent(tpl.Pages(), "", "  ")
			fmt.Println(string(b))
			r, err := tpl.Render(ctx, Input{Values: map[string]any{"name": "abc", "owner": "group:default/x"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range r.Files {
				fmt.Printf("--- %s\n%s", f.Path, f.Content)
			}
			b, _ = json.MarshalIndent(r.Entities, "", "  ")
			fmt.Println(string(b))
			fmt.Println(r.Guardrails)
			_, err = tpl.Render(ctx, Input{Values: map[string]any{"name": "A", "owner": "group:default/x", "lifecycle": "prod", "replicas": 30, "foo": 1}})
			fmt.Println(err)
			_, err = tpl.Render(ctx, Input{Values: map[string]any{"name": "Abc", "owner": "group:default/x", "lifecycle": "prod", "replicas": 30}})
			fmt.Println(err)
		}
	}
}
