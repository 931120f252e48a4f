package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// maxUserinfo bounds the userinfo cache; past it, expired entries go first
// and then everything.
const maxUserinfo = 10000

// userinfo fetches a user's ownership refs from the Backstage auth
// backend's /v1/userinfo and caches them per token (keyed by the token's
// SHA-256, never the token) until the token expires.
type userinfo struct {
	client *http.Client
	url    string
	now    func() time.Time

	mu    sync.Mutex
	cache map[[32]byte]userinfoEntry
}

type userinfoEntry struct {
	refs    []string
	expires time.Time
}

func newUserinfo(client *http.Client, url string, now func() time.Time) *userinfo {
	return &userinfo{client: client, url: url, now: now, cache: map[[32]byte]userinfoEntry{}}
}

// ownership returns the ent claim of userinfo for token.
func (u *userinfo) ownership(ctx context.Context, token string, c claims) ([]string, error) {
	key := sha256.Sum256([]byte(token))
	u.mu.Lock()
	e, ok := u.cache[key]
	u.mu.Unlock()
	if ok && u.now().Before(e.expires) {
		return e.refs, nil
	}
	refs, err := u.fetch(ctx, token)
	if err != nil {
		return nil, err
	}
	expires := u.now().Add(time.Hour)
	if c.Exp != nil {
		expires = c.Exp.time()
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.cache) >= maxUserinfo {
		for k, e := range u.cache {
			if !u.now().Before(e.expires) {
				delete(u.cache, k)
			}
		}
		if len(u.cache) >= maxUserinfo {
			clear(u.cache)
		}
	}
	u.cache[key] = userinfoEntry{refs: refs, expires: expires}
	return refs, nil
}

func (u *userinfo) fetch(ctx context.Context, token string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.url, nil)
	if err != nil {
		return nil, fmt.Errorf("userinfo: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := u.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("userinfo: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("userinfo: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("userinfo %s: status %d", u.url, resp.StatusCode)
	}
	var doc struct {
		Claims struct {
			Ent []string `json:"ent"`
		} `json:"claims"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("userinfo %s: %w", u.url, err)
	}
	return doc.Claims.Ent, nil
}

// cached returns how many tokens have cached ownership, for tests.
func (u *userinfo) cached() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.cache)
}
