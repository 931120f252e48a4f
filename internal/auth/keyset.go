package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// asymmetric are the signature algorithms a key set ever verifies. HMAC
// and none are absent on purpose: a public key is not a shared secret.
var asymmetric = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

var (
	// errUnknownKey is returned when no key of the set has the token's
	// kid, even after a refetch.
	errUnknownKey = errors.New("unknown signing key")
	// errKeysUnavailable is returned when the JWKS (or the discovery
	// document naming it) cannot be fetched: the issuer is down, not the
	// token bad.
	errKeysUnavailable = errors.New("issuer keys unavailable")
)

// keySet is a JWKS fetched over HTTP. It implements oidc.KeySet. Keys are
// cached; a token whose kid is unknown triggers a refetch, at most limit
// times a minute (Backstage's figure is 10), so a flood of tokens with
// made-up kids cannot turn into a flood of fetches.
type keySet struct {
	// url resolves the JWKS URL; it may run discovery, and is retried
	// until it succeeds.
	url    func(ctx context.Context) (string, error)
	client *http.Client
	limit  int
	now    func() time.Time

	mu      sync.Mutex
	keys    []jose.JSONWebKey
	fetched bool
	recent  []time.Time // fetch times within the last minute
	fetches int
}

var _ oidc.KeySet = (*keySet)(nil)

func newKeySet(url func(context.Context) (string, error), client *http.Client, limit int, now func() time.Time) *keySet {
	return &keySet{url: url, client: client, limit: limit, now: now}
}

// mayFetch reports whether a fetch now stays within the limit.
func (k *keySet) mayFetch() bool {
	cut := k.now().Add(-time.Minute)
	kept := k.recent[:0]
	for _, t := range k.recent {
		if t.After(cut) {
			kept = append(kept, t)
		}
	}
	k.recent = kept
	return len(k.recent) < k.limit
}

// keyErrKey carries a *error through go-oidc, which flattens the key
// set's error into a string: the verifier reads the typed error back.
type keyErrKey struct{}

// VerifySignature implements oidc.KeySet.
func (k *keySet) VerifySignature(ctx context.Context, jwt string) (payload []byte, err error) {
	defer func() {
		if slot, ok := ctx.Value(keyErrKey{}).(*error); ok && err != nil {
			*slot = err
		}
	}()
	jws, err := jose.ParseSigned(jwt, asymmetric)
	if err != nil {
		return nil, fmt.Errorf("malformed token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("token must carry exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	keys, err := k.candidates(ctx, kid)
	if err != nil {
		return nil, err
	}
	for _, key := range keys {
		if payload, err := jws.Verify(&key); err == nil {
			return payload, nil
		}
	}
	return nil, errors.New("signature does not match the issuer's key")
}

// candidates returns the keys that may have signed a token with kid,
// refetching the set once (rate limited) when none matches.
func (k *keySet) candidates(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if keys := k.match(kid); k.fetched && len(keys) > 0 {
		return keys, nil
	}
	if k.mayFetch() {
		if err := k.fetch(ctx); err != nil {
			return nil, err
		}
	}
	if !k.fetched {
		return nil, fmt.Errorf("%w: fetches failed %d times in the last minute", errKeysUnavailable, len(k.recent))
	}
	if keys := k.match(kid); len(keys) > 0 {
		return keys, nil
	}
	return nil, fmt.Errorf("%w: kid %q is not in the issuer's JWKS", errUnknownKey, kid)
}

func (k *keySet) match(kid string) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, key := range k.keys {
		if kid == "" || key.KeyID == kid {
			out = append(out, key)
		}
	}
	return out
}

// fetch loads the JWKS; it holds k.mu, so concurrent misses share one fetch.
func (k *keySet) fetch(ctx context.Context) error {
	k.recent = append(k.recent, k.now())
	k.fetches++
	url, err := k.url(ctx)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("fetch JWKS %s: %w", url, err)
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: fetch JWKS %s: %w", errKeysUnavailable, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("fetch JWKS %s: %w", url, err)
	}
	if resp.StatusCode >= 500 {
		return fmt.Errorf("%w: fetch JWKS %s: status %d", errKeysUnavailable, url, resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch JWKS %s: status %d", url, resp.StatusCode)
	}
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return fmt.Errorf("decode JWKS %s: %w", url, err)
	}
	keys := make([]jose.JSONWebKey, 0, len(raw.Keys))
	for _, r := range raw.Keys {
		var key jose.JSONWebKey
		if json.Unmarshal(r, &key) != nil || !key.IsPublic() || !key.Valid() {
			continue // symmetric, private or unknown key types never verify
		}
		keys = append(keys, key)
	}
	k.keys, k.fetched = keys, true
	return nil
}

// Fetches returns how many times the set was fetched, for tests.
func (k *keySet) Fetches() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.fetches
}
