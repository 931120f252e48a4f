package config

import (
	"strings"
	"testing"
	"time"
)

func TestParse_MinimalFromIssue(t *testing.T) {
	cfg, err := Parse([]byte(`
server: {listen: "127.0.0.1:7007", baseUrl: "http://localhost:7007"}
database: {url: "sqlite:data/stackyard.db"}
catalog:
  locations: [{type: file, target: ./catalog/all.yaml}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Catalog.OrphanStrategy != "delete" || len(cfg.Catalog.AllowedLocationTypes) != 1 || !cfg.Auth.DevMode() {
		t.Fatalf("defaults not applied: %+v", cfg.Catalog)
	}
	if time.Duration(cfg.Catalog.ProcessingInterval) != 100*time.Second {
		t.Fatalf("interval = %v", cfg.Catalog.ProcessingInterval)
	}
}

func TestParse_Errors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "server: {listne: x}", "field listne not found"},
		{"bad db", "database: {url: mysql://x}", "database.url"},
		{"bad listen", "server: {listen: nope}", "server.listen"},
		{"bad location", "catalog: {locations: [{type: git, target: x}]}", "catalog.locations[0].type"},
		{"short token", "auth: {externalAccess: [{type: static, token: abc, subject: ci}]}", "at least 8"},
		{"bad size", "server:\n  memoryLimit: lots", `line 2: invalid size "lots"`},
		{"negative size", "server: {memoryLimit: -5MiB}", "invalid size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParse_EnvOverrides(t *testing.T) {
	t.Setenv("STACKYARD_LISTEN", "127.0.0.1:9999")
	t.Setenv("STACKYARD_DATABASE_URL", "postgres://u:p@127.0.0.1/db")
	t.Setenv("STACKYARD_BASE_URL", "http://example:9999/")
	cfg, err := Parse([]byte("catalog: {processingInterval: {seconds: 5}}"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Listen != "127.0.0.1:9999" || cfg.Database.URL != "postgres://u:p@127.0.0.1/db" || cfg.Server.BaseURL != "http://example:9999" {
		t.Fatalf("overrides not applied: %+v %+v", cfg.Server, cfg.Database)
	}
	if time.Duration(cfg.Catalog.ProcessingInterval) != 5*time.Second {
		t.Fatalf("interval = %v", cfg.Catalog.ProcessingInterval)
	}
}

func TestParse_Stacks(t *testing.T) {
	cfg, err := Parse([]byte(`stacks: {templates: [{source: ./t/web}, {source: "https://git.example.com/t.git"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Stacks.Repositories != "data/repos" || len(cfg.Stacks.Templates) != 2 {
		t.Fatalf("stacks = %+v", cfg.Stacks)
	}
	if !IsLocalSource(cfg.Stacks.Templates[0].Source) || IsLocalSource(cfg.Stacks.Templates[1].Source) || IsLocalSource("git@host:org/t.git") {
		t.Fatal("IsLocalSource misclassifies")
	}
	for _, bad := range []string{`stacks: {templates: [{source: ""}]}`, `stacks: {templates: [{src: x}]}`, `stacks: {repos: x}`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestLoad_DefaultConfigHasExampleStacks(t *testing.T) {
	cfg, err := Load("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tpl := range cfg.Stacks.Templates {
		got = append(got, cfg.Resolve(tpl.Source))
	}
	if len(got) != 2 || !strings.HasSuffix(got[0], "schemas/stacks/web-service") || !strings.HasSuffix(got[1], "schemas/stacks/postgres-database") {
		t.Fatalf("templates = %v", got)
	}
	if !strings.HasSuffix(cfg.Resolve(cfg.Stacks.Repositories), "data/repos") {
		t.Fatalf("repositories = %s", cfg.Stacks.Repositories)
	}
}

func TestParse_Sizes(t *testing.T) {
	cfg, err := Parse([]byte("database: {cacheSize: 4MiB}"))
	if err != nil || cfg.Database.CacheSize != 4<<20 {
		t.Errorf("database.cacheSize = %d, %v", cfg.Database.CacheSize, err)
	}
	for in, want := range map[string]int64{"200MiB": 200 << 20, "1.5GB": 1_500_000_000, "65536": 65536, "512 KiB": 512 << 10} {
		cfg, err := Parse([]byte("server: {memoryLimit: " + in + "}"))
		if err != nil || int64(cfg.Server.MemoryLimit) != want {
			t.Errorf("server.memoryLimit %q = %d, %v; want %d", in, cfg.Server.MemoryLimit, err, want)
		}
	}
}
