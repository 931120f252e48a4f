package auth

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/stackyard/stackyard/internal/errs"
)

// maxPluginCallers bounds the plugin key sets kept: the plugin id comes
// from an unverified token, so it must not grow memory or fetches freely.
const maxPluginCallers = 64

var pluginID = regexp.MustCompile(`(?i)^[a-z0-9_-]+$`)

// backstageVerifier verifies the tokens of one Backstage installation:
// user tokens and limited-user tokens against the auth backend's JWKS,
// found through its discovery document, and plugin tokens against the
// calling plugin's own JWKS.
type backstageVerifier struct {
	a        *Authenticator
	cfg      BackstageIssuer
	keys     *keySet
	userinfo *userinfo

	pluginMu sync.Mutex
	plugins  map[string]*keySet
}

func newBackstageVerifier(a *Authenticator, cfg BackstageIssuer) *backstageVerifier {
	cfg.Issuer = strings.TrimRight(cfg.Issuer, "/")
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = []string{"ES256"}
	}
	if cfg.PluginBaseURL == "" {
		cfg.PluginBaseURL = strings.TrimSuffix(cfg.Issuer, "/auth") + "/{{pluginId}}"
	}
	v := &backstageVerifier{a: a, cfg: cfg, plugins: map[string]*keySet{},
		userinfo: newUserinfo(a.opts.HTTPClient, cfg.Issuer+"/v1/userinfo", a.opts.Now)}
	v.keys = newKeySet(cachedDiscovery(a.opts.HTTPClient, cfg.Issuer), a.opts.HTTPClient, a.opts.RefetchLimit, a.opts.Now)
	return v
}

// cachedDiscovery returns a function that reads an issuer's jwks_uri from
// its discovery document once and then remembers it; a failure is retried
// on the next call.
func cachedDiscovery(client *http.Client, issuer string) func(context.Context) (string, error) {
	var mu sync.Mutex
	var url string
	return func(ctx context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if url != "" {
			return url, nil
		}
		found, err := discoverJWKS(ctx, client, issuer)
		if err != nil {
			return "", err
		}
		url = found
		return url, nil
	}
}

func discoverJWKS(ctx context.Context, client *http.Client, issuer string) (string, error) {
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, client), issuer)
	if err != nil {
		return "", fmt.Errorf("%w: discovery of %s: %w", errKeysUnavailable, issuer, err)
	}
	var doc struct {
		JWKS string `json:"jwks_uri"`
	}
	if err := p.Claims(&doc); err != nil || doc.JWKS == "" {
		return "", fmt.Errorf("%w: discovery of %s names no jwks_uri", errKeysUnavailable, issuer)
	}
	return doc.JWKS, nil
}

// user verifies a Backstage user token (typ vnd.backstage.user, or a
// legacy token without typ whose aud is backstage).
func (v *backstageVerifier) user(ctx context.Context, token string, h header, unverified claims) (*Principal, error) {
	const kind = "user token"
	if err := checkAlg(kind, h.Alg, v.cfg.Algorithms); err != nil {
		return nil, err
	}
	if unverified.Iss != v.cfg.Issuer {
		// Checked before the signature too, so that a foreign token costs no JWKS fetch.
		return nil, failed(kind, "issuer check failed: issuer %q is not the configured Backstage issuer %q", unverified.Iss, v.cfg.Issuer)
	}
	ver := oidc.NewVerifier(v.cfg.Issuer, v.keys, &oidc.Config{ClientID: "backstage",
		SupportedSigningAlgs: v.cfg.Algorithms, Now: v.a.opts.Now})
	c, err := verify(ctx, kind, ver, token, v.a.opts.Now(), v.a.opts.ClockSkew)
	if err != nil {
		return nil, err
	}
	if c.Iat == nil || c.Sub == "" {
		return nil, failed(kind, "claims check failed: iat and sub are required")
	}
	if !strings.HasPrefix(strings.ToLower(c.Sub), "user:") {
		return nil, failed(kind, "claims check failed: sub %q is not a user entity ref", c.Sub)
	}
	ent := c.Ent
	if _, ok := c.raw["ent"]; !ok {
		// Backstage may leave ent out of the token (auth.omitIdentityTokenOwnershipClaim);
		// the auth backend's userinfo has it.
		refs, err := v.userinfo.ownership(ctx, token, c)
		if err != nil {
			v.a.log.Warn("userinfo failed, ownership comes from the catalog alone", "user", c.Sub, "err", err)
		}
		ent = refs
	}
	sub := strings.ToLower(c.Sub)
	return &Principal{Type: TypeUser, Subject: sub, UserRef: sub,
		Ownership: v.a.expand(append([]string{sub}, ent...)), Via: "backstage-user"}, nil
}

// limited verifies a limited-user token: typ vnd.backstage.limited-user,
// signed by the auth backend, with sub, iat and exp and nothing else.
func (v *backstageVerifier) limited(ctx context.Context, token string, h header) (*Principal, error) {
	const kind = "limited user token"
	if h.Typ != typLimitedUser {
		return nil, failed(kind, "type check failed: typ %q is not %s", h.Typ, typLimitedUser)
	}
	if err := checkAlg(kind, h.Alg, v.cfg.Algorithms); err != nil {
		return nil, err
	}
	ver := oidc.NewVerifier(v.cfg.Issuer, v.keys, &oidc.Config{SkipClientIDCheck: true, SkipIssuerCheck: true,
		SupportedSigningAlgs: v.cfg.Algorithms, Now: v.a.opts.Now})
	c, err := verify(ctx, kind, ver, token, v.a.opts.Now(), v.a.opts.ClockSkew)
	if err != nil {
		return nil, err
	}
	if c.Iat == nil || !strings.HasPrefix(strings.ToLower(c.Sub), "user:") {
		return nil, failed(kind, "claims check failed: iat and a user sub are required")
	}
	sub := strings.ToLower(c.Sub)
	return &Principal{Type: TypeUser, Subject: sub, UserRef: sub, Ownership: v.a.expand([]string{sub}), Via: "backstage-limited-user"}, nil
}

// plugin verifies a plugin token against the calling plugin's JWKS. Its
// audience must be the plugin the request is for. With obo, the request
// acts for the user of that limited-user token.
func (v *backstageVerifier) plugin(ctx context.Context, token string, h header, unverified claims, target string) (*Principal, error) {
	const kind = "plugin token"
	if err := checkAlg(kind, h.Alg, v.cfg.Algorithms); err != nil {
		return nil, err
	}
	if !pluginID.MatchString(unverified.Sub) {
		return nil, failed(kind, "subject check failed: sub %q is not a plugin id", unverified.Sub)
	}
	if target == "" {
		return nil, failed(kind, "audience check failed: plugin tokens are accepted under /api/<plugin> only")
	}
	keys, err := v.pluginKeys(unverified.Sub)
	if err != nil {
		return nil, err
	}
	ver := oidc.NewVerifier("", keys, &oidc.Config{ClientID: target, SkipIssuerCheck: true,
		SupportedSigningAlgs: v.cfg.Algorithms, Now: v.a.opts.Now})
	c, err := verify(ctx, kind, ver, token, v.a.opts.Now(), v.a.opts.ClockSkew)
	if err != nil {
		return nil, err
	}
	if c.Iat == nil || c.Sub == "" {
		return nil, failed(kind, "claims check failed: iat, exp, sub and aud are required")
	}
	if c.Obo != "" {
		oh, _, ok := peek(c.Obo)
		if !ok {
			return nil, failed(kind, "obo check failed: obo is not a token")
		}
		p, err := v.limited(ctx, c.Obo, oh)
		if err != nil {
			return nil, err
		}
		p.Via = "backstage-plugin"
		return p, nil
	}
	return &Principal{Type: TypeService, Subject: "plugin:" + strings.ToLower(c.Sub), Via: "backstage-plugin"}, nil
}

func (v *backstageVerifier) pluginKeys(id string) (*keySet, error) {
	id = strings.ToLower(id)
	v.pluginMu.Lock()
	defer v.pluginMu.Unlock()
	if ks, ok := v.plugins[id]; ok {
		return ks, nil
	}
	if len(v.plugins) >= maxPluginCallers {
		return nil, errs.Unauthenticated("Failed plugin token verification: too many distinct calling plugins, %s is not one of them", id)
	}
	url := strings.ReplaceAll(v.cfg.PluginBaseURL, "{{pluginId}}", id) + "/.backstage/auth/v1/jwks.json"
	ks := newKeySet(func(context.Context) (string, error) { return url, nil }, v.a.opts.HTTPClient, v.a.opts.RefetchLimit, v.a.opts.Now)
	v.plugins[id] = ks
	return ks, nil
}
