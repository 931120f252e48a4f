package auth

import (
	"context"
	"slices"
	"strings"
)

// Principal types, as Backstage names them.
const (
	TypeUser    = "user"
	TypeService = "service"
)

// Principal is who a request acts for. It is built once per request by the
// middleware and read with FromContext.
type Principal struct {
	// Type is TypeUser or TypeService.
	Type string
	// Subject names the principal in audit records and as a task's creator:
	// the user entity ref for users, plugin:<id> or external:<subject> for
	// services, and the raw claim for a corporate user with no User entity.
	Subject string
	// UserRef is the User entity ref, or "" for services and for corporate
	// users the catalog does not know.
	UserRef string
	// Ownership holds the canonical refs the principal owns through: its
	// user ref and every group it belongs to, directly or through parent
	// groups. It is empty for a principal that owns nothing.
	Ownership []string
	// Admin is set when one of Ownership or Subject is in auth.admins.
	Admin bool
	// Via names the credential: backstage-user, backstage-plugin, oidc,
	// static or development.
	Via string
}

// Holds reports whether ref is one of the principal's ownership refs.
func (p *Principal) Holds(ref string) bool {
	return p != nil && slices.Contains(p.Ownership, strings.ToLower(ref))
}

// HoldsAny reports whether the principal holds at least one of refs.
func (p *Principal) HoldsAny(refs []string) bool {
	for _, r := range refs {
		if p.Holds(r) {
			return true
		}
	}
	return false
}

// IsUser reports whether the principal is a user (with or without entity).
func (p *Principal) IsUser() bool { return p != nil && p.Type == TypeUser }

type ctxKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal of a request. A context without one is
// an internal call (a task worker, a startup job), never an HTTP request:
// the middleware rejects requests it cannot attach a principal to.
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(*Principal)
	return p, ok && p != nil
}

// finish normalises the ownership refs and sets the admin flag.
func (p *Principal) finish(admins []string) *Principal {
	seen := map[string]bool{}
	refs := make([]string, 0, len(p.Ownership))
	for _, r := range p.Ownership {
		r = strings.ToLower(r)
		if r != "" && !seen[r] {
			seen[r] = true
			refs = append(refs, r)
		}
	}
	p.Ownership = refs
	for _, a := range admins {
		if seen[a] || strings.EqualFold(p.Subject, a) {
			p.Admin = true
			break
		}
	}
	return p
}
