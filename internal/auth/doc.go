// Package auth turns the bearer token of a request into a Principal: who
// the request acts for, the refs it owns through, and whether it is an
// admin. The echo middleware puts the principal in the request context
// (FromContext); services read it there and decide with Decide.
//
// # Credentials
//
//   - Backstage user tokens (typ vnd.backstage.user, ES256, iss
//     <backstage>/api/auth, aud backstage) are verified with go-oidc against
//     the JWKS that the issuer's discovery document names. A token with an
//     unknown kid triggers a refetch, at most RefetchLimit times a minute.
//     Ownership refs come from the ent claim, or else from the auth
//     backend's /v1/userinfo, cached per token (by hash) until it expires.
//   - Backstage limited-user tokens (vnd.backstage.limited-user) are
//     refused unless a route opts in; none does. They are accepted inside a
//     plugin token's obo claim.
//   - Backstage plugin tokens (vnd.backstage.plugin) are verified against
//     the calling plugin's own JWKS, <plugin base>/.backstage/auth/v1/jwks.json,
//     and their aud must be the plugin the request is for (/api/<plugin>).
//   - Corporate OIDC tokens are verified against their issuer's discovery
//     and JWKS, with the configured audience and algorithms. The user claim
//     maps to a User entity (by spec.profile.email when it contains @,
//     else by name in the default namespace); the groups claim names Groups.
//   - Static external-access tokens are kept as SHA-256 hashes and compared
//     in constant time.
//
// Every token is refused when it is unsigned (alg none) or HMAC-signed,
// expired, not yet valid beyond the clock skew, issued by another issuer,
// for another audience, signed by an unknown key or tampered with. The
// 401 message names the check that failed; no message or log line holds
// the token.
//
// # Ownership
//
// A principal's ownership refs are its user ref and every group it belongs
// to, directly or through parent groups (the Directory, which the catalog
// implements, follows memberOf and childOf). Backstage checks direct groups
// only (backstage/backstage#25299).
//
// # Development mode
//
// With no issuer and no static token configured, Development stands in for
// the Authenticator: every request is the guest user, an admin. The server
// then listens on loopback only.
package auth
