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
