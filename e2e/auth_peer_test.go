package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// peerIssuer is the issuer of the peer's user tokens: its backend.baseUrl
// plus /api/auth.
const peerIssuer = "http://localhost:7007/api/auth"

// TestAuth_PeerGuestToken signs in as guest at the real Backstage auth
// backend (the peer's guest provider), then calls Stackyard, configured
// with auth.backstage.issuer pointing at the peer, with that token. The
// token is user:development/guest, a member of team-payments in the
// example catalog, which sits under engineering.
func TestAuth_PeerGuestToken(t *testing.T) {
	peerDir := os.Getenv("STACKYARD_PEER_DIR")
	_, err := os.Stat(filepath.Join(peerDir, "node_modules", "@backstage", "plugin-auth-backend-module-guest-provider"))
	require(t, peerDir != "" && err == nil, "STACKYARD_PEER_DIR does not point at an installed peer (bash .ci/peer.sh ../shared/peer-backstage)")
	startPeer(t, peerDir, freePort(t))
	token := guestToken(t)

	base := startStackyard(t, stackyardOptions{
		Locations: []string{filepath.Join(repoRoot(), "catalog", "all.yaml")},
		Extra:     fmt.Sprintf("auth:\n  backstage: {issuer: %q}\n  admins: [\"group:default/platform\"]\n", peerIssuer),
	})
	call := func(method, path, bearer string, body any) (int, string) {
		t.Helper()
		var r io.Reader
		if body != nil {
			data, _ := json.Marshal(body)
			r = strings.NewReader(string(data))
		}
		req, _ := http.NewRequest(method, base+path, r)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	refresh := func(ref string) (int, string) {
		return call("POST", "/api/catalog/refresh", token, map[string]string{"entityRef": ref})
	}

	if status, body := call("GET", "/api/catalog/entities/by-name/user/development/guest", token, nil); status != 200 {
		t.Fatalf("read with the guest token = %d %s", status, body)
	}
	if status, body := call("GET", "/api/catalog/entities/by-name/user/development/guest", "", nil); status != 401 || !strings.Contains(body, "AuthenticationError") {
		t.Errorf("read without a token = %d %s, want 401", status, body)
	}
	tampered := token[:strings.LastIndexByte(token, '.')] + ".AAAA"
	if status, body := call("GET", "/api/catalog/entities/by-name/user/development/guest", tampered, nil); status != 401 {
		t.Errorf("read with a tampered guest token = %d %s, want 401", status, body)
	}
	if status, body := refresh("component:default/fraud-detector"); status != 200 {
		t.Errorf("refresh of a team-payments component = %d %s, want 200 (direct member)", status, body)
	}
	if status, body := refresh("domain:default/commerce"); status != 200 {
		t.Errorf("refresh of an engineering domain = %d %s, want 200 (member through the parent group)", status, body)
	}
	status, body := refresh("component:default/search-service")
	if status != 403 || !strings.Contains(body, "catalog.entity.refresh") || !strings.Contains(body, "group:default/team-search") {
		t.Errorf("refresh of a team-search component = %d %s, want 403 naming the permission and group:default/team-search", status, body)
	}
	status, body = call("GET", "/api/stacks/v1/audit?target=component:default/search-service", token, nil)
	if status != 200 || !strings.Contains(body, `"outcome":"denied"`) || !strings.Contains(body, `"actor":"user:development/guest"`) {
		t.Errorf("audit of the guest's own denial = %d %s", status, body)
	}
}

// guestToken signs in with the peer's guest provider, as the Backstage
// app does, and returns the Backstage user token.
func guestToken(t *testing.T) string {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+peerAddr+"/api/auth/guest/refresh?env=development", nil)
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("guest sign-in: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		BackstageIdentity struct {
			Token string `json:"token"`
		} `json:"backstageIdentity"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.BackstageIdentity.Token == "" {
		t.Fatalf("guest sign-in = %d %v", resp.StatusCode, err)
	}
	return out.BackstageIdentity.Token
}
