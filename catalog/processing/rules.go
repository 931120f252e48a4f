package processing

import "strings"

// Rules decides which kinds a location may emit, as Backstage's
// catalog.rules: per-location rules win over the global ones. No rules at
// all allows every kind.
type Rules struct {
	Global      []string
	PerLocation map[string][]string // "type:target" → allowed kinds
}

func (r Rules) allowed(kind, typ, target string) bool {
	if kinds, ok := r.PerLocation[typ+":"+target]; ok {
		return containsFold(kinds, kind)
	}
	if r.Global == nil {
		return true
	}
	return containsFold(r.Global, kind)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
