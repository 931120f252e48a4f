package auth

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
)

// oidcVerifier verifies the ID or access tokens of one corporate issuer,
// found through its discovery document, and maps its claims onto catalog
// entities.
type oidcVerifier struct {
	a    *Authenticator
	cfg  OIDCIssuer
	keys *keySet
}

func newOIDCVerifier(a *Authenticator, cfg OIDCIssuer) *oidcVerifier {
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = []string{"RS256", "ES256"}
	}
	if cfg.UserClaim == "" {
		cfg.UserClaim = "email"
	}
	v := &oidcVerifier{a: a, cfg: cfg}
	v.keys = newKeySet(cachedDiscovery(a.opts.HTTPClient, cfg.Issuer), a.opts.HTTPClient, a.opts.RefetchLimit, a.opts.Now)
	return v
}

// verify checks the token and maps its user and groups claims. A user the
// catalog does not know is still authenticated; it owns nothing but the
// groups its token names.
func (v *oidcVerifier) verify(ctx context.Context, token string, h header) (*Principal, error) {
	const kind = "token"
	if err := checkAlg(kind, h.Alg, v.cfg.Algorithms); err != nil {
		return nil, err
	}
	ver := oidc.NewVerifier(v.cfg.Issuer, v.keys, &oidc.Config{ClientID: v.cfg.Audience,
		SupportedSigningAlgs: v.cfg.Algorithms, Now: v.a.opts.Now})
	c, err := verify(ctx, kind, ver, token, v.a.opts.Now(), v.a.opts.ClockSkew)
	if err != nil {
		return nil, err
	}
	var user string
	if raw, ok := c.raw[v.cfg.UserClaim]; !ok || json.Unmarshal(raw, &user) != nil || user == "" {
		return nil, failed(kind, "claims check failed: user claim %q is missing or not a string", v.cfg.UserClaim)
	}
	groups := v.groups(c)
	p := &Principal{Type: TypeUser, Subject: user, Via: "oidc"}
	if ref, ok := v.userRef(user); ok {
		p.UserRef, p.Subject = ref, ref
		groups = append([]string{ref}, groups...)
	}
	p.Ownership = v.a.expand(groups)
	return p, nil
}

// userRef maps the user claim onto a User entity.
func (v *oidcVerifier) userRef(user string) (string, bool) {
	dir := v.a.opts.Directory
	if dir == nil {
		return "", false
	}
	if strings.Contains(user, "@") {
		return dir.UserByEmail(user)
	}
	ref := "user:default/" + strings.ToLower(user)
	if strings.Contains(user, ":") || strings.Contains(user, "/") {
		ref = normaliseRef(user, "user")
	}
	return ref, dir.Exists(ref)
}

// groups reads the groups claim, a string or a list of strings, as Group refs.
func (v *oidcVerifier) groups(c claims) []string {
	raw, ok := c.raw[v.cfg.GroupsClaim]
	if v.cfg.GroupsClaim == "" || !ok {
		return nil
	}
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return nil
		}
		list = []string{one}
	}
	out := make([]string, 0, len(list))
	for _, g := range list {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, normaliseRef(g, "group"))
		}
	}
	return out
}

// normaliseRef turns "[kind:][namespace/]name" into a canonical ref.
func normaliseRef(s, kind string) string {
	ns := "default"
	if k, rest, ok := strings.Cut(s, ":"); ok && !strings.Contains(k, "/") {
		kind, s = k, rest
	}
	if n, rest, ok := strings.Cut(s, "/"); ok {
		ns, s = n, rest
	}
	return strings.ToLower(kind + ":" + ns + "/" + s)
}
