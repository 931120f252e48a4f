package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/auth/authtest"
	"github.com/stackyard/stackyard/internal/errs"
)

// directory is a small catalog: users with emails, and group parents.
type directory struct {
	emails  map[string]string
	parents map[string][]string // ref -> groups it belongs to
}

func (d directory) ExpandOwnership(refs []string) []string {
	out := append([]string(nil), refs...)
	seen := map[string]bool{}
	for _, r := range refs {
		seen[r] = true
	}
	for i := 0; i < len(out); i++ {
		for _, p := range d.parents[out[i]] {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

func (d directory) UserByEmail(email string) (string, bool) {
	r, ok := d.emails[email]
	return r, ok
}

func (d directory) Exists(ref string) bool {
	_, ok := d.parents[ref]
	return ok
}

var org = directory{
	emails: map[string]string{"alice@acme.example.com": "user:default/alice"},
	parents: map[string][]string{
		"user:default/alice":          {"group:default/team-payments"},
		"user:default/bob":            {"group:default/team-search"},
		"group:default/team-payments": {"group:default/engineering"},
		"group:default/team-search":   {"group:default/engineering"},
		"group:default/engineering":   {"group:default/acme"},
		"group:default/platform":      {"group:default/acme"},
	},
}

func newAuthenticator(t *testing.T, bs *authtest.Issuer, mods ...func(*auth.Options)) *auth.Authenticator {
	t.Helper()
	opts := auth.Options{
		Backstage: &auth.BackstageIssuer{Issuer: bs.URL},
		Static:    []auth.StaticToken{{Token: "ci-token-0123456789", Subject: "ci"}},
		Admins:    []string{"group:default/platform", "external:ci"},
		Directory: org,
	}
	for _, m := range mods {
		m(&opts)
	}
	return auth.New(opts)
}

func authenticate(a *auth.Authenticator, token string) (*auth.Principal, error) {
	return a.Authenticate(context.Background(), auth.Request{Authorization: "Bearer " + token, Plugin: "catalog"})
}

func TestAuthenticator_BackstageUser(t *testing.T) {
	bs := authtest.NewIssuer(t, "/api/auth")
	a := newAuthenticator(t, bs)
	p, err := authenticate(a, bs.UserToken("user:default/alice", "user:default/alice", "group:default/team-payments"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"user:default/alice", "group:default/team-payments", "group:default/engineering", "group:default/acme"}
	if strings.Join(p.Ownership, ",") != strings.Join(want, ",") {
		t.Errorf("ownership = %v, want %v (ent plus parent groups)", p.Ownership, want)
	}
	if p.UserRef != "user:default/alice" || p.Type != auth.TypeUser || p.Admin {
		t.Errorf("principal = %+v", p)
	}
	if bs.UserinfoFetches.Load() != 0 {
		t.Errorf("userinfo fetched although the token has ent")
	}
}

func TestAuthenticator_BackstageUser_Userinfo(t *testing.T) {
	bs := authtest.NewIssuer(t, "/api/auth")
	bs.SetOwnership("user:default/erin", "user:default/erin", "group:default/platform")
	a := newAuthenticator(t, bs)
	tok := bs.UserToken("user:default/erin") // no ent claim
	for range 3 {
		p, err := authenticate(a, tok)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Holds("group:default/platform") || !p.Holds("group:default/acme") || !p.Admin {
			t.Fatalf("principal = %+v, want platform (from userinfo), acme (parent) and admin", p)
		}
	}
	if n := bs.UserinfoFetches.Load(); n != 1 {
		t.Errorf("userinfo fetched %d times for one token, want 1 (cached per token)", n)
	}
	if _, err := authenticate(a, bs.UserToken("user:default/erin")); err != nil {
		t.Fatal(err)
	}
}

// TestAuthenticator_Attacks: each token is refused with 401 and a
// message naming the check that failed.
func TestAuthenticator_Attacks(t *testing.T) {
	bs := authtest.NewIssuer(t, "/api/auth")
	other := authtest.NewIssuer(t, "/api/auth")
	a := newAuthenticator(t, bs)
	now := time.Now().Unix()
	claims := func(mod func(map[string]any)) map[string]any {
		c := bs.UserClaims("user:default/alice", []string{"user:default/alice"})
		mod(c)
		return c
	}
	valid := bs.UserToken("user:default/alice", "user:default/alice")
	tests := []struct {
		name   string
		header string
		want   string
	}{
		{"no header", "", "Missing credentials"},
		{"empty bearer", "Bearer ", "Illegal token"},
		{"garbage bearer", "Bearer not-a-token", "Illegal token"},
		{"garbage jwt", "Bearer a.b.c", "Illegal token"},
		{"basic scheme", "Basic dXNlcjpwYXNz", "Illegal token"},
		{"expired", "Bearer " + bs.Sign(authtest.TypUser, claims(func(c map[string]any) { c["iat"], c["exp"] = now-7200, now-3600 })), "expiry check failed"},
		{"wrong issuer", "Bearer " + other.UserToken("user:default/alice", "user:default/alice"), "issuer check failed"},
		{"wrong issuer claim", "Bearer " + bs.Sign(authtest.TypUser, claims(func(c map[string]any) { c["iss"] = "https://evil.example/api/auth" })), "issuer check failed"},
		{"unknown issuer without typ", "Bearer " + bs.Sign("", claims(func(c map[string]any) { c["iss"] = "https://evil.example" })), "issuer check failed"},
		{"wrong audience", "Bearer " + bs.Sign(authtest.TypUser, claims(func(c map[string]any) { c["aud"] = "catalog" })), "audience check failed"},
		{"not before beyond skew", "Bearer " + bs.Sign(authtest.TypUser, claims(func(c map[string]any) { c["nbf"] = now + 180 })), "not-before check failed"},
		{"alg none", "Bearer " + authtest.Unsigned(claims(func(map[string]any) {})), "algorithm check failed"},
		{"alg none with typ", "Bearer " + unsignedTyp(claims(func(map[string]any) {})), "algorithm check failed"},
		{"hs256 with public key", "Bearer " + bs.HMACWithPublicKey(authtest.TypUser, claims(func(map[string]any) {})), "HMAC"},
		{"tampered payload", "Bearer " + authtest.Tamper(valid, claims(func(c map[string]any) { c["sub"] = "user:default/erin" })), "signature check failed"},
		{"limited user token", "Bearer " + bs.LimitedToken("user:default/alice"), "Illegal limited user token"},
		{"plugin token for another plugin", "Bearer " + bs.PluginToken("scaffolder", "scaffolder", ""), "audience check failed"},
		{"plugin token bad subject", "Bearer " + bs.PluginToken("../evil", "catalog", ""), "subject check failed"},
		{"wrong static token", "Bearer ci-token-0123456788", "Illegal token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := a.Authenticate(context.Background(), auth.Request{Authorization: tt.header, Plugin: "catalog"})
			if err == nil {
				t.Fatalf("accepted as %+v", p)
			}
			if !errors.Is(err, errs.ErrUnauthenticated) {
				t.Fatalf("err = %v, want ErrUnauthenticated", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("message %q lacks %q", err, tt.want)
			}
			if h := strings.TrimPrefix(tt.header, "Bearer "); len(h) > 20 && strings.Contains(err.Error(), h) {
				t.Errorf("message contains the token")
			}
		})
	}
}

func unsignedTyp(c map[string]any) string {
	parts := strings.SplitN(authtest.Unsigned(c), ".", 2)
	_ = parts
	return "eyJhbGciOiJub25lIiwidHlwIjoidm5kLmJhY2tzdGFnZS51c2VyIn0." + parts[1]
}

// TestAuthenticator_UnknownKid: a kid the JWKS lacks makes one refetch
// up to RefetchLimit times a minute, however many tokens carry it; once
// the issuer publishes the key, the next refetch lets the token in.
func TestAuthenticator_UnknownKid(t *testing.T) {
	bs := authtest.NewIssuer(t, "/api/auth")
	var offset time.Duration
	a := newAuthenticator(t, bs, func(o *auth.Options) {
		o.RefetchLimit = 3
		o.Now = func() time.Time { return time.Now().Add(offset) }
	})
	if _, err := authenticate(a, bs.UserToken("user:default/alice", "user:default/alice")); err != nil {
		t.Fatal(err)
	}
	bs.Rotate("key-2", false)
	tok := bs.UserToken("user:default/alice", "user:default/alice")
	for range 20 {
		_, err := authenticate(a, tok)
		if err == nil || !strings.Contains(err.Error(), "signing key check failed") {
			t.Fatalf("err = %v, want signing key check failed", err)
		}
	}
	if n := bs.JWKSFetches.Load(); n > 3 {
		t.Errorf("JWKS fetched %d times for 20 tokens with an unknown kid, want at most 3 (the limit)", n)
	}
	bs.Publish()
	offset = 61 * time.Second
	if _, err := authenticate(a, tok); err != nil {
		t.Fatalf("after the key was published and the refresh interval passed: %v", err)
	}
}

func TestAuthenticator_KeyRotation(t *testing.T) {
	bs := authtest.NewIssuer(t, "/api/auth")
	a := newAuthenticator(t, bs)
	if _, err := authenticate(a, bs.UserToken("user:default/alice", "user:default/alice")); err != nil {
		t.Fatal(err)
	}
	bs.Rotate("key-2", true)
	if _, err := authenticate(a, bs.UserToken("user:default/alice", "user:default/alice")); err != nil {
		t.Fatalf("token signed with a rotated key: %v", err)
	}
}

func TestAuthenticator_LimitedUserAllowed(t *testing.T) {
	bs := authtest.NewIssuer(t, "/api/auth")
	a := newAuthenticator(t, bs)
	p, err := a.Authenticate(context.Background(), auth.Request{Authorization: "Bearer " + bs.LimitedToken("user:default/alice"), AllowLimited: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.UserRef != "user:default/alice" || !p.Holds("group:default/engineering") {
		t.Errorf("principal = %+v", p)
	}
}

func TestAuthenticator_PluginToken(t *testing.T) {
	bs := authtest.NewIssuer(t, "/api/auth")
	a := newAuthenticator(t, bs)
	p, err := authenticate(a, bs.PluginToken("scaffolder", "catalog", ""))
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != auth.TypeService || p.Subject != "plugin:scaffolder" || len(p.Ownership) != 0 {
		t.Errorf("principal = %+v", p)
	}
	p, err = authenticate(a, bs.PluginToken("scaffolder", "catalog", bs.LimitedToken("user:default/alice")))
	if err != nil {
		t.Fatal(err)
	}
	if p.UserRef != "user:default/alice" || !p.Holds("group:default/team-payments") {
		t.Errorf("on behalf of alice: principal = %+v", p)
	}
	// A plugin token signed with the auth backend's key, not the plugin's.
	forged := bs.Sign(authtest.TypPlugin, map[string]any{"sub": "scaffolder", "aud": "catalog",
		"iat": time.Now().Unix(), "exp": time.Now().Unix() + 60})
	if _, err := authenticate(a, forged); err == nil || !strings.Contains(err.Error(), "plugin token") {
		t.Errorf("plugin token signed by another key: err = %v", err)
	}
}

func TestAuthenticator_Static(t *testing.T) {
	bs := authtest.NewIssuer(t, "/api/auth")
	a := newAuthenticator(t, bs)
	p, err := authenticate(a, "ci-token-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "external:ci" || p.Type != auth.TypeService || !p.Admin {
		t.Errorf("principal = %+v, want external:ci, an admin through auth.admins", p)
	}
}

func TestAuthenticator_OIDC(t *testing.T) {
	bs := authtest.NewIssuer(t, "/api/auth")
	idp := authtest.NewIssuer(t, "")
	a := newAuthenticator(t, bs, func(o *auth.Options) {
		o.OIDC = []auth.OIDCIssuer{{Issuer: idp.URL, Audience: "stackyard", Algorithms: []string{"ES256"}, UserClaim: "email", GroupsClaim: "groups"}}
	})
	base := func(mod func(map[string]any)) string {
		now := time.Now().Unix()
		c := map[string]any{"iss": idp.URL, "sub": "00u1", "aud": "stackyard", "iat": now, "exp": now + 600}
		mod(c)
		return idp.Sign("JWT", c)
	}
	tests := []struct {
		name     string
		token    string
		user     string
		subject  string
		owns     []string
		notOwns  []string
		errCheck string
	}{
		{name: "email maps to user", token: base(func(c map[string]any) { c["email"] = "alice@acme.example.com" }),
			user: "user:default/alice", subject: "user:default/alice", owns: []string{"user:default/alice", "group:default/team-payments", "group:default/acme"}},
		{name: "groups claim", token: base(func(c map[string]any) { c["email"] = "alice@acme.example.com"; c["groups"] = []string{"platform"} }),
			user: "user:default/alice", subject: "user:default/alice", owns: []string{"group:default/platform", "group:default/team-payments"}},
		{name: "name in default namespace", token: base(func(c map[string]any) { c["email"] = "bob" }),
			user: "user:default/bob", subject: "user:default/bob", owns: []string{"group:default/team-search"}},
		{name: "unknown user owns nothing", token: base(func(c map[string]any) { c["email"] = "mallory@evil.example" }),
			user: "", subject: "mallory@evil.example", notOwns: []string{"user:default/mallory", "group:default/team-payments"}},
		{name: "wrong audience", token: base(func(c map[string]any) { c["email"] = "alice@acme.example.com"; c["aud"] = "other" }), errCheck: "audience check failed"},
		{name: "missing user claim", token: base(func(map[string]any) {}), errCheck: "user claim"},
		{name: "hs256", token: idp.HMACWithPublicKey("JWT", map[string]any{"iss": idp.URL, "aud": "stackyard", "email": "alice@acme.example.com"}), errCheck: "HMAC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := authenticate(a, tt.token)
			if tt.errCheck != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errCheck) {
					t.Fatalf("err = %v, want %q", err, tt.errCheck)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.UserRef != tt.user || p.Subject != tt.subject {
				t.Errorf("user = %q subject = %q, want %q %q", p.UserRef, p.Subject, tt.user, tt.subject)
			}
			for _, r := range tt.owns {
				if !p.Holds(r) {
					t.Errorf("does not hold %s: %v", r, p.Ownership)
				}
			}
			for _, r := range tt.notOwns {
				if p.Holds(r) {
					t.Errorf("holds %s: %v", r, p.Ownership)
				}
			}
		})
	}
}
