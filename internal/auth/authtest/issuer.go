// Package authtest runs a real token issuer in the test process: it signs
// tokens with go-jose and serves OpenID discovery, a JWKS and Backstage's
// userinfo over HTTP, the way Backstage's auth backend and a corporate
// identity provider do. Verifiers under test fetch everything over the
// loopback network; nothing is mocked.
package authtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Backstage token types.
const (
	TypUser        = "vnd.backstage.user"
	TypLimitedUser = "vnd.backstage.limited-user"
	TypPlugin      = "vnd.backstage.plugin"
)

// Issuer is a running issuer. Its base URL plus Path is the issuer URL,
// so one Issuer can play Backstage (Path /api/auth, with plugins under
// /api/<plugin>) or a corporate IdP.
type Issuer struct {
	Server *httptest.Server
	// URL is the issuer URL: what tokens carry as iss.
	URL string
	// JWKSFetches counts GETs of the JWKS; UserinfoFetches of userinfo.
	JWKSFetches     atomic.Int64
	UserinfoFetches atomic.Int64

	mu        sync.Mutex
	keys      []*key // served in the JWKS
	pending   []*key // not served yet
	signer    *key   // signs user and limited-user tokens
	plugin    *key   // signs plugin tokens, served at /api/<plugin>/.backstage/auth/v1/jwks.json
	ownership map[string][]string
}

type key struct {
	priv *ecdsa.PrivateKey
	kid  string
}

func newKey(kid string) *key {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return &key{priv: priv, kid: kid}
}

func (k *key) public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.ES256), Use: "sig"}
}

// NewIssuer starts an issuer whose URL ends in path ("/api/auth" for a
// Backstage auth backend). It stops when the test ends.
func NewIssuer(t testing.TB, path string) *Issuer {
	t.Helper()
	first := newKey("key-1")
	iss := &Issuer{keys: []*key{first}, signer: first, plugin: newKey("plugin-key-1"), ownership: map[string][]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+path+"/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"issuer": iss.URL, "jwks_uri": iss.URL + "/.well-known/jwks.json",
			"userinfo_endpoint": iss.URL + "/v1/userinfo", "id_token_signing_alg_values_supported": []string{"ES256"}})
	})
	mux.HandleFunc("GET "+path+"/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		iss.JWKSFetches.Add(1)
		iss.mu.Lock()
		set := jose.JSONWebKeySet{}
		for _, k := range iss.keys {
			set.Keys = append(set.Keys, k.public())
		}
		iss.mu.Unlock()
		writeJSON(w, set)
	})
	mux.HandleFunc("GET "+path+"/v1/userinfo", iss.userinfo)
	mux.HandleFunc("GET /api/{plugin}/.backstage/auth/v1/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		iss.mu.Lock()
		defer iss.mu.Unlock()
		writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{iss.plugin.public()}})
	})
	iss.Server = httptest.NewServer(mux)
	iss.URL = iss.Server.URL + path
	t.Cleanup(iss.Server.Close)
	return iss
}

// SetOwnership sets what userinfo answers as ent for sub.
func (i *Issuer) SetOwnership(sub string, ent ...string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.ownership[sub] = ent
}

// userinfo answers like Backstage's /v1/userinfo for a token it signed.
func (i *Issuer) userinfo(w http.ResponseWriter, r *http.Request) {
	i.UserinfoFetches.Add(1)
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		http.Error(w, `{"error":{"name":"AuthenticationError"}}`, http.StatusUnauthorized)
		return
	}
	i.mu.Lock()
	keys := append(append([]*key(nil), i.keys...), i.pending...)
	i.mu.Unlock()
	for _, k := range keys {
		if payload, err := jws.Verify(&k.priv.PublicKey); err == nil {
			var c struct{ Sub string }
			_ = json.Unmarshal(payload, &c)
			i.mu.Lock()
			ent := i.ownership[c.Sub]
			i.mu.Unlock()
			if ent == nil {
				ent = []string{c.Sub}
			}
			writeJSON(w, map[string]any{"claims": map[string]any{"sub": c.Sub, "ent": ent}})
			return
		}
	}
	http.Error(w, `{"error":{"name":"AuthenticationError"}}`, http.StatusUnauthorized)
}

// Rotate adds a new signing key. With publish false the JWKS does not
// list it yet: tokens it signs carry an unknown kid.
func (i *Issuer) Rotate(kid string, publish bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	k := newKey(kid)
	i.signer = k
	if publish {
		i.keys = append(i.keys, k)
		return
	}
	i.pending = append(i.pending, k)
}

// Publish lists every key in the JWKS.
func (i *Issuer) Publish() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = append(i.keys, i.pending...)
	i.pending = nil
}

// Sign signs claims with the current key and the given typ ("" for none).
func (i *Issuer) Sign(typ string, claims map[string]any) string {
	i.mu.Lock()
	k := i.signer
	i.mu.Unlock()
	return sign(k, typ, claims)
}

// SignPlugin signs claims with the plugin key.
func (i *Issuer) SignPlugin(claims map[string]any) string {
	i.mu.Lock()
	k := i.plugin
	i.mu.Unlock()
	return sign(k, TypPlugin, claims)
}

func sign(k *key, typ string, claims map[string]any) string {
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256,
		Key: jose.JSONWebKey{Key: k.priv, KeyID: k.kid, Algorithm: string(jose.ES256)}}, opts)
	if err != nil {
		panic(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return out
}

// UserClaims are the claims of a Backstage user token for sub, valid for
// an hour; ent is left out when nil.
func (i *Issuer) UserClaims(sub string, ent []string) map[string]any {
	now := time.Now().Unix()
	c := map[string]any{"iss": i.URL, "sub": sub, "aud": "backstage", "iat": now, "exp": now + 3600}
	if ent != nil {
		c["ent"] = ent
	}
	return c
}

// UserToken is a Backstage user token for sub.
func (i *Issuer) UserToken(sub string, ent ...string) string {
	if len(ent) == 0 {
		ent = nil
	}
	return i.Sign(TypUser, i.UserClaims(sub, ent))
}

// LimitedToken is a Backstage limited-user token for sub.
func (i *Issuer) LimitedToken(sub string) string {
	now := time.Now().Unix()
	return i.Sign(TypLimitedUser, map[string]any{"sub": sub, "iat": now, "exp": now + 3600})
}

// PluginToken is a plugin token from plugin for aud, acting for obo when set.
func (i *Issuer) PluginToken(plugin, aud, obo string) string {
	now := time.Now().Unix()
	c := map[string]any{"sub": plugin, "aud": aud, "iat": now, "exp": now + 3600}
	if obo != "" {
		c["obo"] = obo
	}
	return i.SignPlugin(c)
}

// Unsigned returns a token with alg none.
func Unsigned(claims map[string]any) string {
	return encode(map[string]any{"alg": "none", "typ": "JWT"}, claims) + "."
}

// HMACWithPublicKey returns an HS256 token whose secret is the issuer's
// public key (the JWK JSON), the classic algorithm-confusion attack.
func (i *Issuer) HMACWithPublicKey(typ string, claims map[string]any) string {
	i.mu.Lock()
	k := i.signer
	i.mu.Unlock()
	secret, _ := json.Marshal(k.public())
	h := map[string]any{"alg": "HS256", "kid": k.kid}
	if typ != "" {
		h["typ"] = typ
	}
	signing := encode(h, claims)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Tamper replaces the payload of a signed token, keeping its signature.
func Tamper(token string, claims map[string]any) string {
	parts := strings.Split(token, ".")
	payload, _ := json.Marshal(claims)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
}

func encode(header, claims map[string]any) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		panic(fmt.Sprintf("encode: %v", err))
	}
}
