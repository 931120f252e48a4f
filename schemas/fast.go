package schemas

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stackyard/stackyard/catalog/model"
)

// checker is the fast path of Validate: compiled from the evaluated kind
// schemas, it answers "certainly valid" or "don't know" for an entity
// without CUE. It holds only Go values, built once, so it is safe for
// concurrent use.
type checker struct {
	kinds map[kindKey]node
	// fallbacks lists the parts of the schemas left to CUE, for tests.
	fallbacks []string
}

// newChecker compiles the kind schemas of in. #Unknown is left out: an
// entity of an unknown kind is never valid.
//
// With Options.Policy the checker knows nothing and every entity goes to
// CUE. The policy is unified with the entity's root, so a reference to
// one of its top-level fields, such as kind, refers to the entity itself;
// the rule that keeps compiled constraints independent of the data (see
// independent) would not hold for its source.
//
// The compiler reads CUE's values through API calls whose behaviour on
// unusual schemas is not all documented; should one panic, the checker
// knows nothing rather than Compile failing, and fallbacks says why.
func newChecker(in *instance, opts Options) (c *checker) {
	c = &checker{kinds: map[kindKey]node{}}
	if strings.TrimSpace(opts.Policy) != "" {
		return c
	}
	defer func() {
		if r := recover(); r != nil {
			c = &checker{kinds: map[kindKey]node{}, fallbacks: []string{fmt.Sprintf("compiler panicked: %v", r)}}
		}
	}()
	comp := newCompiler()
	for k, s := range in.kinds {
		n := comp.node(s.value, k.apiVersion+" "+k.kind, 0)
		if _, ok := n.(unknown); !ok {
			c.kinds[k] = n
		}
	}
	c.fallbacks = comp.fallbacks
	sort.Strings(c.fallbacks)
	return c
}

// valid reports whether CUE certainly accepts e; false means "don't know".
func (c *checker) valid(e model.Entity) bool {
	n, ok := c.kinds[kindKey{e.APIVersion(), e.Kind()}]
	return ok && n.accepts(map[string]any(e))
}
