package auth

import (
	"crypto/sha256"
	"crypto/subtle"
)

// staticTokens are the external-access tokens. Only their SHA-256 hashes
// are kept in memory, and a presented token is compared with every one of
// them in constant time, so neither a heap dump nor timing gives one away.
type staticTokens struct {
	entries []staticEntry
}

type staticEntry struct {
	hash    [32]byte
	subject string
}

func newStaticTokens(tokens []StaticToken) *staticTokens {
	s := &staticTokens{}
	for _, t := range tokens {
		s.entries = append(s.entries, staticEntry{hash: sha256.Sum256([]byte(t.Token)), subject: t.Subject})
	}
	return s
}

// match returns the principal of token when it is a configured token.
func (s *staticTokens) match(token string) (*Principal, bool) {
	h := sha256.Sum256([]byte(token))
	found := -1
	for i := range s.entries {
		// No early exit: every entry is compared.
		if subtle.ConstantTimeCompare(h[:], s.entries[i].hash[:]) == 1 && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return nil, false
	}
	return &Principal{Type: TypeService, Subject: "external:" + s.entries[found].subject, Via: "static"}, true
}
