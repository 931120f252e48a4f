package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/stackyard/stackyard/internal/errs"
)

// Backstage token types (the JOSE typ header).
const (
	typUser        = "vnd.backstage.user"
	typLimitedUser = "vnd.backstage.limited-user"
	typPlugin      = "vnd.backstage.plugin"
)

// header is the part of a JOSE header that routes a token.
type header struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Kid string `json:"kid"`
}

// claims are the registered and Backstage claims Stackyard reads.
type claims struct {
	Iss string    `json:"iss"`
	Sub string    `json:"sub"`
	Aud audience  `json:"aud"`
	Iat *numeric  `json:"iat"`
	Exp *numeric  `json:"exp"`
	Nbf *numeric  `json:"nbf"`
	Ent []string  `json:"ent"`
	Obo string    `json:"obo"`
	raw rawClaims `json:"-"`
}

type rawClaims map[string]json.RawMessage

// audience accepts a string or a list, as RFC 7519 allows.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*a = many
	return nil
}

// numeric is a JWT NumericDate (seconds, possibly fractional).
type numeric float64

func (n *numeric) time() time.Time {
	sec := float64(*n)
	return time.Unix(int64(sec), int64((sec-float64(int64(sec)))*1e9)).UTC()
}

// peek decodes a JWT's header and claims without verifying anything; it
// only decides which verifier gets the token. It returns false for a
// string that is not a compact JWS at all.
func peek(token string) (header, claims, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return header{}, claims{}, false
	}
	var h header
	var c claims
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	if err1 != nil || err2 != nil || json.Unmarshal(hb, &h) != nil || json.Unmarshal(pb, &c) != nil {
		return header{}, claims{}, false
	}
	_ = json.Unmarshal(pb, &c.raw)
	return h, c, true
}

// checkAlg rejects none, HMAC and any algorithm the verifier was not
// configured for, before any key is looked at.
func checkAlg(kind, alg string, allowed []string) error {
	switch {
	case alg == "" || strings.EqualFold(alg, "none"):
		return failed(kind, "algorithm check failed: alg %q is not accepted, tokens must be signed", alg)
	case strings.HasPrefix(strings.ToUpper(alg), "HS"):
		return failed(kind, "algorithm check failed: HMAC algorithm %s is not accepted, the issuer's keys are public", alg)
	case !slices.Contains(allowed, alg):
		return failed(kind, "algorithm check failed: %s is not one of the accepted algorithms %v", alg, allowed)
	}
	return nil
}

// failed is a 401 whose message names the token kind and the check.
func failed(kind, format string, args ...any) error {
	return errs.Unauthenticated("Failed %s verification: %s", kind, fmt.Sprintf(format, args...))
}

// verify runs a go-oidc verifier (signature through the key set, issuer,
// audience, expiry) and then the not-before and issued-at checks with the
// configured clock skew. Every failure names the check that failed.
func verify(ctx context.Context, kind string, v *oidc.IDTokenVerifier, raw string, now time.Time, skew time.Duration) (claims, error) {
	var keyErr error
	ctx = context.WithValue(ctx, keyErrKey{}, &keyErr)
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		return claims{}, classify(kind, err, keyErr)
	}
	var c claims
	if err := tok.Claims(&c); err != nil {
		return claims{}, failed(kind, "claims check failed: %s", err)
	}
	_ = tok.Claims(&c.raw)
	if c.Nbf != nil && c.Nbf.time().After(now.Add(skew)) {
		return claims{}, failed(kind, "not-before check failed: token is not valid before %s, beyond the %s clock skew", c.Nbf.time().Format(time.RFC3339), skew)
	}
	if c.Iat != nil && c.Iat.time().After(now.Add(skew)) {
		return claims{}, failed(kind, "issued-at check failed: token claims to be issued at %s, in the future beyond the %s clock skew", c.Iat.time().Format(time.RFC3339), skew)
	}
	return c, nil
}

// classify turns a go-oidc error into a message that names the check.
func classify(kind string, err, keyErr error) error {
	var expired *oidc.TokenExpiredError
	msg := strings.TrimPrefix(err.Error(), "oidc: ")
	switch {
	case errors.Is(keyErr, errKeysUnavailable):
		return errs.Unavailable("Cannot verify %s: %s", kind, keyErr)
	case errors.Is(keyErr, errUnknownKey):
		return failed(kind, "signing key check failed: %s", keyErr)
	case keyErr != nil:
		return failed(kind, "signature check failed: %s", keyErr)
	case errors.As(err, &expired):
		return failed(kind, "expiry check failed: token expired at %s", expired.Expiry.UTC().Format(time.RFC3339))
	case strings.Contains(msg, "issued by a different provider"):
		return failed(kind, "issuer check failed: %s", msg)
	case strings.Contains(msg, "expected audience"):
		return failed(kind, "audience check failed: %s", msg)
	case strings.Contains(msg, "nbf"):
		return failed(kind, "not-before check failed: %s", msg)
	case strings.Contains(msg, "malformed jwt"), strings.Contains(msg, "unmarshal claims"):
		return failed(kind, "format check failed: %s", msg)
	}
	return failed(kind, "%s", msg)
}
