package auth

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/stackyard/stackyard/internal/errs"
)

// Directory is what authentication needs from the catalog: it turns the
// refs a token names into ownership refs, and finds users by email.
type Directory interface {
	// ExpandOwnership returns refs plus every group they belong to,
	// directly or through parent groups.
	ExpandOwnership(refs []string) []string
	// UserByEmail returns the ref of the User whose spec.profile.email is email.
	UserByEmail(email string) (string, bool)
	// Exists reports whether the catalog holds the entity ref.
	Exists(ref string) bool
}

// Options configures an Authenticator. Zero values get defaults.
type Options struct {
	// Backstage verifies Backstage user, limited-user and plugin tokens.
	Backstage *BackstageIssuer
	// OIDC lists the corporate issuers.
	OIDC []OIDCIssuer
	// Static lists the static external-access tokens.
	Static []StaticToken
	// Admins are the refs (groups, users, or subjects such as
	// external:ci) whose holders may mutate everything.
	Admins []string
	// Directory resolves ownership; nil leaves ownership as the token says.
	Directory Directory
	// ClockSkew is the tolerance for nbf and iat in the future (60s).
	ClockSkew time.Duration
	// RefetchLimit bounds the JWKS fetches of one issuer per minute, made
	// when a token names an unknown kid (10, as Backstage).
	RefetchLimit int
	// HTTPClient fetches discovery documents, JWKS and userinfo (10s timeout).
	HTTPClient *http.Client
	// Now is the clock (time.Now).
	Now func() time.Time
	Log *slog.Logger
}

// BackstageIssuer is a Backstage auth backend.
type BackstageIssuer struct {
	// Issuer is the auth backend's external URL, <backstage>/api/auth;
	// it must equal the tokens' iss.
	Issuer string
	// Algorithms are the accepted signing algorithms (ES256).
	Algorithms []string
	// PluginBaseURL is where other Backstage plugins live, with
	// {{pluginId}} for the plugin id; their plugin tokens are verified
	// against <base>/.backstage/auth/v1/jwks.json. Default: the issuer with
	// its trailing /auth replaced, as Backstage's default discovery does.
	PluginBaseURL string
}

// OIDCIssuer is a corporate OpenID Connect provider.
type OIDCIssuer struct {
	Issuer   string
	Audience string
	// Algorithms are the accepted signing algorithms (RS256, ES256).
	Algorithms []string
	// UserClaim names the user: an email (contains @) maps to the User
	// with that spec.profile.email, anything else to user:default/<value>.
	// Default email.
	UserClaim string
	// GroupsClaim names a string or list claim whose values are Group
	// names (or refs). Empty reads no groups.
	GroupsClaim string
}

// StaticToken is an external-access token, as Backstage's
// backend.auth.externalAccess type static.
type StaticToken struct {
	Token   string
	Subject string
}

// Authenticator turns a bearer token into a Principal.
type Authenticator struct {
	opts      Options
	admins    []string
	backstage *backstageVerifier
	oidc      []*oidcVerifier
	static    *staticTokens
	log       *slog.Logger
}

// New builds an Authenticator. Nothing is fetched until the first token.
func New(opts Options) *Authenticator {
	if opts.ClockSkew == 0 {
		opts.ClockSkew = 60 * time.Second
	}
	if opts.RefetchLimit == 0 {
		opts.RefetchLimit = 10
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	a := &Authenticator{opts: opts, log: opts.Log}
	for _, r := range opts.Admins {
		a.admins = append(a.admins, strings.ToLower(r))
	}
	if opts.Backstage != nil {
		a.backstage = newBackstageVerifier(a, *opts.Backstage)
	}
	for _, o := range opts.OIDC {
		a.oidc = append(a.oidc, newOIDCVerifier(a, o))
	}
	a.static = newStaticTokens(opts.Static)
	return a
}

// Request is one credential to check.
type Request struct {
	// Authorization is the Authorization header as sent.
	Authorization string
	// Plugin is the plugin id the request is for (catalog, scaffolder,
	// stacks): the audience plugin tokens must name.
	Plugin string
	// AllowLimited accepts Backstage limited-user tokens; no route of
	// Stackyard does today.
	AllowLimited bool
}

var bearer = regexp.MustCompile(`(?i)^Bearer[ ]+(\S+)$`)

// Authenticate verifies the credential of r and returns its principal, or
// an ErrUnauthenticated error whose message says which check failed. The
// token never appears in a message or a log line.
func (a *Authenticator) Authenticate(ctx context.Context, r Request) (*Principal, error) {
	if strings.TrimSpace(r.Authorization) == "" {
		return nil, errs.Unauthenticated("Missing credentials")
	}
	m := bearer.FindStringSubmatch(strings.TrimSpace(r.Authorization))
	if m == nil {
		return nil, errs.Unauthenticated("Illegal token: the Authorization header must be 'Bearer <token>'")
	}
	token := m[1]
	if p, ok := a.static.match(token); ok {
		return p.finish(a.admins), nil
	}
	h, c, ok := peek(token)
	if !ok {
		return nil, errs.Unauthenticated("Illegal token: neither a signed JWT nor a configured external access token")
	}
	p, err := a.route(ctx, token, h, c, r)
	if err != nil {
		return nil, err
	}
	return p.finish(a.admins), nil
}

// route picks the verifier by the token type, then by the issuer.
func (a *Authenticator) route(ctx context.Context, token string, h header, c claims, r Request) (*Principal, error) {
	switch h.Typ {
	case typUser, typLimitedUser, typPlugin:
		if a.backstage == nil {
			return nil, errs.Unauthenticated("Illegal token: Backstage tokens (typ %s) are not accepted, auth.backstage is not configured", h.Typ)
		}
		switch h.Typ {
		case typUser:
			return a.backstage.user(ctx, token, h, c)
		case typLimitedUser:
			if !r.AllowLimited {
				return nil, errs.Unauthenticated("Illegal limited user token: this route does not accept limited user tokens")
			}
			return a.backstage.limited(ctx, token, h)
		default:
			return a.backstage.plugin(ctx, token, h, c, r.Plugin)
		}
	}
	for _, v := range a.oidc {
		if c.Iss == v.cfg.Issuer {
			return v.verify(ctx, token, h)
		}
	}
	if a.backstage != nil && c.Iss == a.backstage.cfg.Issuer {
		// Legacy Backstage user tokens carry no typ.
		return a.backstage.user(ctx, token, h, c)
	}
	return nil, errs.Unauthenticated("Failed token verification: issuer check failed: issuer %q is not configured", c.Iss)
}

// expand turns refs named by a token into ownership refs.
func (a *Authenticator) expand(refs []string) []string {
	if a.opts.Directory == nil || len(refs) == 0 {
		return refs
	}
	return a.opts.Directory.ExpandOwnership(refs)
}
