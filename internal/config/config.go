// Package config loads config.yaml: strict parsing (an unknown key is an
// error that names it), defaults in one place, environment overrides, and
// cross-field validation.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config mirrors config.yaml.
type Config struct {
	Server   Server   `yaml:"server"`
	Database Database `yaml:"database"`
	Catalog  Catalog  `yaml:"catalog"`
	Auth     Auth     `yaml:"auth"`
	// Scaffolder configures the scaffolder's task workers.
	Scaffolder Scaffolder `yaml:"scaffolder"`
	// Stacks lists the stack template sources and where stack repositories live.
	Stacks Stacks `yaml:"stacks"`

	// Dir is the directory of the config file; relative file targets resolve against it.
	Dir string `yaml:"-"`
}

// Server configures the HTTP listener.
type Server struct {
	Listen       string `yaml:"listen"`
	BaseURL      string `yaml:"baseUrl"`
	CORS         CORS   `yaml:"cors"`
	MaxBodyBytes int64  `yaml:"maxBodyBytes"`
	// MemoryLimit is a soft limit on the memory the Go runtime uses (the
	// heap and its overhead): the GC runs more often as it nears it. SQLite's
	// page cache and the binary come on top. Unset, the limit follows the
	// live heap (internal/memlimit: 1.5 times what is live, at least
	// 160 MiB). The GOMEMLIMIT environment variable, when set, wins.
	MemoryLimit ByteSize `yaml:"memoryLimit"`
}

// CORS has the shape of Backstage's backend.cors.
type CORS struct {
	Origin      StringList `yaml:"origin"`
	Methods     StringList `yaml:"methods"`
	Credentials bool       `yaml:"credentials"`
}

// Database names the database by URL: sqlite:PATH or postgres://….
type Database struct {
	URL string `yaml:"url"`
	// CacheSize is SQLite's page cache per connection (default 4MiB; each
	// of the four connections has one). PostgreSQL ignores it.
	CacheSize ByteSize `yaml:"cacheSize"`
}

// Catalog configures ingestion and validation.
type Catalog struct {
	Locations          []Location `yaml:"locations"`
	Reading            Reading    `yaml:"reading"`
	Rules              []Rule     `yaml:"rules"`
	ProcessingInterval Duration   `yaml:"processingInterval"`
	OrphanStrategy     string     `yaml:"orphanStrategy"`
	// AllowedLocationTypes are the types POST /locations accepts.
	AllowedLocationTypes []string `yaml:"allowedLocationTypes"`
	// DefaultLocationConflictStrategy is reject or refresh.
	DefaultLocationConflictStrategy string `yaml:"defaultLocationConflictStrategy"`
	Readonly                        bool   `yaml:"readonly"`
	Policy                          Policy `yaml:"policy"`
	// CachedEntities is how many entity bodies the in-memory index keeps,
	// most recently used first (default 10,000, about 1.2 KB each); the
	// others are read from the database when a response needs them.
	CachedEntities int `yaml:"cachedEntities"`
}

// Location is a location the catalog loads at start.
type Location struct {
	Type   string `yaml:"type"`
	Target string `yaml:"target"`
	Rules  []Rule `yaml:"rules"`
}

// Rule allows entity kinds, as Backstage's catalog.rules.
type Rule struct {
	Allow []string `yaml:"allow"`
}

// Reading is Backstage's backend.reading: the hosts url locations may read.
type Reading struct {
	Allow []ReadingHost `yaml:"allow"`
}

// ReadingHost is one allowed host, "name[:port]" or "*.suffix".
type ReadingHost struct {
	Host string `yaml:"host"`
}

// Scaffolder configures task execution (Backstage's scaffolder.*).
type Scaffolder struct {
	// Concurrency is how many tasks this process runs at once (default
	// 10); 0 runs none, so the process serves the API only.
	Concurrency *int `yaml:"concurrency"`
	// WorkspaceDir holds one directory per running task (default: the OS
	// temp dir). Relative paths resolve against the config file.
	WorkspaceDir string `yaml:"workspaceDir"`
	// HeartbeatInterval is how often running tasks are marked alive (1s).
	HeartbeatInterval Duration `yaml:"heartbeatInterval"`
	// StaleTimeout is how old a heartbeat may get before another worker
	// takes the task over (30s).
	StaleTimeout Duration `yaml:"staleTimeout"`
	// Reading lists the hosts fetch:* actions may read from.
	Reading Reading `yaml:"reading"`
	// Publish bounds where publish:git may push.
	Publish ScaffolderPublish `yaml:"publish"`
}

// ScaffolderPublish bounds the targets of publish:git.
type ScaffolderPublish struct {
	// AllowedHosts are the hosts of http(s) remotes ("host[:port]" or "*.suffix").
	AllowedHosts []string `yaml:"allowedHosts"`
	// LocalRoots are the directories local repositories may live under.
	LocalRoots []string `yaml:"localRoots"`
}

// Stacks configures stack templates (issue 4).
type Stacks struct {
	// Templates are the template sources: a git URL or a directory with one
	// sub-folder per version. Relative paths resolve against the config file.
	Templates []StackTemplate `yaml:"templates"`
	// Repositories is where stack repositories are created (default
	// data/repos). Relative paths resolve against the config file.
	Repositories string `yaml:"repositories"`
	// RefreshInterval is how often the template sources are re-read for
	// new versions, such as a new git tag (default 1m; 0 keeps the default).
	RefreshInterval Duration `yaml:"refreshInterval"`
}

// StackTemplate is one template source.
type StackTemplate struct {
	Source string `yaml:"source"`
}

// IsLocalSource reports whether a template source is a path rather than a
// URL (scheme:// or scp-like user@host:path).
func IsLocalSource(src string) bool {
	if strings.Contains(src, "://") {
		return false
	}
	if at := strings.Index(src, "@"); at > 0 && strings.Contains(src[at:], ":") {
		return false
	}
	return true
}

// Resolve returns p against the config directory when it is a relative path.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// Policy tightens the CUE platform policy without a rebuild.
type Policy struct {
	Lifecycles []string `yaml:"lifecycles"`
	// CUE is extra CUE source unified with every entity.
	CUE string `yaml:"cue"`
}

// Auth configures token verification. With nothing configured the server
// runs in development mode.
type Auth struct {
	Backstage      *BackstageAuth   `yaml:"backstage"`
	OIDC           []OIDCIssuer     `yaml:"oidc"`
	ExternalAccess []ExternalAccess `yaml:"externalAccess"`
	Admins         []string         `yaml:"admins"`
}

// BackstageAuth names the Backstage auth backend that issues user tokens.
type BackstageAuth struct {
	// Issuer is <backstage>/api/auth, exactly as the tokens' iss says.
	Issuer string `yaml:"issuer"`
	// Algorithms are the accepted signing algorithms (ES256).
	Algorithms []string `yaml:"algorithms"`
	// PluginBaseURL locates calling plugins' JWKS, with {{pluginId}}
	// (default: the issuer with /auth replaced by /{{pluginId}}).
	PluginBaseURL string `yaml:"pluginBaseUrl"`
}

// OIDCIssuer is a corporate identity provider.
type OIDCIssuer struct {
	Issuer      string   `yaml:"issuer"`
	Audience    string   `yaml:"audience"`
	Algorithms  []string `yaml:"algorithms"`
	UserClaim   string   `yaml:"userClaim"`
	GroupsClaim string   `yaml:"groupsClaim"`
}

// ExternalAccess is a static token, as Backstage's backend.auth.externalAccess.
type ExternalAccess struct {
	Type    string `yaml:"type"`
	Token   string `yaml:"token"`
	Subject string `yaml:"subject"`
}

// DevMode reports whether no token verifier is configured.
func (a Auth) DevMode() bool {
	return a.Backstage == nil && len(a.OIDC) == 0 && len(a.ExternalAccess) == 0
}

// Load reads path (strictly), applies defaults and environment overrides,
// and validates the result.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	abs, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("resolve config dir: %w", err)
	}
	cfg.Dir = abs
	return cfg, nil
}

// Parse decodes config text, applies defaults and environment overrides,
// and validates. Relative paths resolve against the working directory.
func Parse(data []byte) (*Config, error) {
	cfg := &Config{}
	data = expandSecrets(data)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse config: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	cfg.Dir, _ = os.Getwd()
	cfg.applyEnv()
	cfg.applyDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

var secretRef = regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)\}`)

// expandSecrets substitutes ${ENV} references, which the config uses for
// secrets such as static tokens.
func expandSecrets(data []byte) []byte {
	return secretRef.ReplaceAllFunc(data, func(m []byte) []byte {
		return []byte(os.Getenv(string(m[2 : len(m)-1])))
	})
}

func (c *Config) applyEnv() {
	if v := os.Getenv("STACKYARD_LISTEN"); v != "" {
		c.Server.Listen = v
	}
	if v := os.Getenv("STACKYARD_BASE_URL"); v != "" {
		c.Server.BaseURL = v
	}
	if v := os.Getenv("STACKYARD_DATABASE_URL"); v != "" {
		c.Database.URL = v
	}
}

func (c *Config) applyDefaults() {
	if c.Server.Listen == "" {
		c.Server.Listen = "127.0.0.1:7007"
	}
	if c.Server.BaseURL == "" {
		c.Server.BaseURL = "http://localhost:" + portOf(c.Server.Listen)
	}
	c.Server.BaseURL = strings.TrimRight(c.Server.BaseURL, "/")
	if c.Server.MaxBodyBytes == 0 {
		c.Server.MaxBodyBytes = 1 << 20
	}
	if len(c.Server.CORS.Methods) == 0 {
		c.Server.CORS.Methods = StringList{"GET", "HEAD", "PATCH", "POST", "PUT", "DELETE"}
	}
	if c.Database.URL == "" {
		c.Database.URL = "sqlite:data/stackyard.db"
	}
	if c.Catalog.ProcessingInterval == 0 {
		c.Catalog.ProcessingInterval = Duration(100 * time.Second)
	}
	if c.Catalog.OrphanStrategy == "" {
		c.Catalog.OrphanStrategy = "delete"
	}
	if c.Catalog.CachedEntities == 0 {
		c.Catalog.CachedEntities = 10_000
	}
	if len(c.Catalog.AllowedLocationTypes) == 0 {
		c.Catalog.AllowedLocationTypes = []string{"url"}
	}
	if c.Catalog.DefaultLocationConflictStrategy == "" {
		c.Catalog.DefaultLocationConflictStrategy = "reject"
	}
	if c.Scaffolder.Concurrency == nil {
		n := 10
		c.Scaffolder.Concurrency = &n
	}
	if c.Scaffolder.HeartbeatInterval == 0 {
		c.Scaffolder.HeartbeatInterval = Duration(time.Second)
	}
	if c.Stacks.RefreshInterval == 0 {
		c.Stacks.RefreshInterval = Duration(time.Minute)
	}
	if c.Stacks.Repositories == "" {
		c.Stacks.Repositories = "data/repos"
	}
	if c.Scaffolder.StaleTimeout == 0 {
		c.Scaffolder.StaleTimeout = Duration(30 * time.Second)
	}
}

// Validate collects the cross-field rules.
func (c *Config) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		add("server.listen %q is not host:port", c.Server.Listen)
	}
	if !strings.HasPrefix(c.Database.URL, "sqlite:") && !strings.HasPrefix(c.Database.URL, "postgres://") && !strings.HasPrefix(c.Database.URL, "postgresql://") {
		add("database.url %q must start with sqlite: or postgres://", c.Database.URL)
	}
	for i, l := range c.Catalog.Locations {
		if l.Type != "file" && l.Type != "url" {
			add("catalog.locations[%d].type %q must be file or url", i, l.Type)
		}
		if l.Target == "" {
			add("catalog.locations[%d].target is required", i)
		}
	}
	if c.Catalog.CachedEntities < 0 {
		add("catalog.cachedEntities %d must be positive", c.Catalog.CachedEntities)
	}
	switch c.Catalog.OrphanStrategy {
	case "delete", "keep":
	default:
		add("catalog.orphanStrategy %q must be delete or keep", c.Catalog.OrphanStrategy)
	}
	switch c.Catalog.DefaultLocationConflictStrategy {
	case "reject", "refresh":
	default:
		add("catalog.defaultLocationConflictStrategy %q must be reject or refresh", c.Catalog.DefaultLocationConflictStrategy)
	}
	for i, h := range c.Catalog.Reading.Allow {
		if h.Host == "" {
			add("catalog.reading.allow[%d].host is required", i)
		}
	}
	if c.Scaffolder.Concurrency != nil && *c.Scaffolder.Concurrency < 0 {
		add("scaffolder.concurrency %d must be 0 or more", *c.Scaffolder.Concurrency)
	}
	for i, t := range c.Stacks.Templates {
		if strings.TrimSpace(t.Source) == "" {
			add("stacks.templates[%d].source is required", i)
		}
	}
	c.validateAuth(add)
	if len(problems) > 0 {
		return fmt.Errorf("invalid config: %s", strings.Join(problems, "; "))
	}
	return nil
}

// validateAuth checks the auth section: issuers are URLs, corporate
// issuers name an audience, no algorithm is none or HMAC, static tokens
// are long enough and name a subject.
func (c *Config) validateAuth(add func(string, ...any)) {
	algs := func(path string, list []string) {
		for _, a := range list {
			if strings.EqualFold(a, "none") || strings.HasPrefix(strings.ToUpper(a), "HS") {
				add("%s: %q is not allowed, tokens must be signed with a public-key algorithm", path, a)
			}
		}
	}
	if b := c.Auth.Backstage; b != nil {
		if !strings.HasPrefix(b.Issuer, "http://") && !strings.HasPrefix(b.Issuer, "https://") {
			add("auth.backstage.issuer %q must be an http(s) URL such as http://backstage:7007/api/auth", b.Issuer)
		}
		algs("auth.backstage.algorithms", b.Algorithms)
	}
	for i, o := range c.Auth.OIDC {
		if !strings.HasPrefix(o.Issuer, "https://") && !strings.HasPrefix(o.Issuer, "http://") {
			add("auth.oidc[%d].issuer %q must be an http(s) URL", i, o.Issuer)
		}
		if o.Audience == "" {
			add("auth.oidc[%d].audience is required", i)
		}
		algs(fmt.Sprintf("auth.oidc[%d].algorithms", i), o.Algorithms)
	}
	for i, e := range c.Auth.ExternalAccess {
		switch {
		case e.Type != "static":
			add("auth.externalAccess[%d].type %q must be static", i, e.Type)
		case len(strings.TrimSpace(e.Token)) < 8 || strings.ContainsAny(e.Token, " \t"):
			add("auth.externalAccess[%d].token must be at least 8 characters without spaces", i)
		case strings.TrimSpace(e.Subject) == "" || strings.ContainsAny(e.Subject, " \t"):
			add("auth.externalAccess[%d].subject is required, without spaces", i)
		}
	}
}

func portOf(listen string) string {
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "7007"
	}
	return port
}
