package stacks

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
)

// Version is a semantic version (semver.org 2.0): MAJOR.MINOR.PATCH with an
// optional pre-release; build metadata is kept in Raw but not compared.
type Version struct {
	Major, Minor, Patch int
	Pre                 []string // pre-release identifiers, split on "."
	Raw                 string   // the text as written, without a leading "v"
}

// ParseVersion parses "1.2.3", "v1.2.3", "1.2.3-rc.1" or "1.2.3+build".
func ParseVersion(s string) (Version, error) {
	raw := strings.TrimPrefix(s, "v")
	core, _, _ := strings.Cut(raw, "+")
	core, pre, hasPre := strings.Cut(core, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return Version{}, errs.Input("version %q is not a semantic version MAJOR.MINOR.PATCH", s)
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || (len(p) > 1 && p[0] == '0') {
			return Version{}, errs.Input("version %q is not a semantic version MAJOR.MINOR.PATCH", s)
		}
		nums[i] = n
	}
	v := Version{Major: nums[0], Minor: nums[1], Patch: nums[2], Raw: raw}
	if hasPre {
		if pre == "" {
			return Version{}, errs.Input("version %q has an empty pre-release", s)
		}
		v.Pre = strings.Split(pre, ".")
	}
	return v, nil
}

// String returns the version without a leading "v".
func (v Version) String() string { return v.Raw }

// Compare returns -1, 0 or 1 as v is older than, equal to or newer than w,
// by semver precedence.
func (v Version) Compare(w Version) int {
	for _, d := range [3][2]int{{v.Major, w.Major}, {v.Minor, w.Minor}, {v.Patch, w.Patch}} {
		if d[0] != d[1] {
			return cmpInt(d[0], d[1])
		}
	}
	switch {
	case len(v.Pre) == 0 && len(w.Pre) == 0:
		return 0
	case len(v.Pre) == 0:
		return 1
	case len(w.Pre) == 0:
		return -1
	}
	for i := 0; i < len(v.Pre) && i < len(w.Pre); i++ {
		if c := comparePre(v.Pre[i], w.Pre[i]); c != 0 {
			return c
		}
	}
	return cmpInt(len(v.Pre), len(w.Pre))
}

// comparePre compares two pre-release identifiers: numbers numerically and
// below words, words in ASCII order.
func comparePre(a, b string) int {
	na, errA := strconv.Atoi(a)
	nb, errB := strconv.Atoi(b)
	switch {
	case errA == nil && errB == nil:
		return cmpInt(na, nb)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SortVersions sorts versions oldest first; strings that are not semantic
// versions are dropped.
func SortVersions(list []string) []string {
	parsed := make([]Version, 0, len(list))
	for _, s := range list {
		if v, err := ParseVersion(s); err == nil {
			parsed = append(parsed, v)
		}
	}
	sort.SliceStable(parsed, func(i, j int) bool { return parsed[i].Compare(parsed[j]) < 0 })
	out := make([]string, len(parsed))
	for i, v := range parsed {
		out[i] = v.String()
	}
	return out
}

// MatchVersion reports whether version satisfies constraint, the from of a
// migration. A constraint is one or more space-separated terms that must
// all hold: "*" (any), an exact version ("1.0.0"), a wildcard ("1", "1.x",
// "1.2.x"), or a comparison ("<2.0.0", ">=1.1.0", "<=1.4.0", ">1.0.0").
func MatchVersion(constraint, version string) (bool, error) {
	v, err := ParseVersion(version)
	if err != nil {
		return false, err
	}
	terms := strings.Fields(constraint)
	if len(terms) == 0 {
		return false, errs.Input("version constraint is empty")
	}
	for _, t := range terms {
		ok, err := matchTerm(t, v)
		if err != nil {
			return false, fmt.Errorf("version constraint %q: %w", constraint, err)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// matchTerm checks one term of a constraint.
func matchTerm(t string, v Version) (bool, error) {
	for _, op := range []string{">=", "<=", ">", "<", "="} {
		rest, ok := strings.CutPrefix(t, op)
		if !ok {
			continue
		}
		w, err := ParseVersion(rest)
		if err != nil {
			return false, err
		}
		c := v.Compare(w)
		switch op {
		case ">=":
			return c >= 0, nil
		case "<=":
			return c <= 0, nil
		case ">":
			return c > 0, nil
		case "<":
			return c < 0, nil
		}
		return c == 0, nil
	}
	return matchWildcard(t, v)
}

// matchWildcard checks "*", "1", "1.x", "1.2.x", "1.2.*" and "1.2.3".
func matchWildcard(t string, v Version) (bool, error) {
	if t == "*" || t == "x" {
		return true, nil
	}
	parts := strings.Split(strings.TrimPrefix(t, "v"), ".")
	if len(parts) > 3 {
		return false, errs.Input("term %q is not a version, a wildcard or a comparison", t)
	}
	if len(parts) == 3 && parts[2] != "x" && parts[2] != "*" {
		w, err := ParseVersion(t)
		if err != nil {
			return false, err
		}
		return v.Compare(w) == 0, nil
	}
	have := [3]int{v.Major, v.Minor, v.Patch}
	for i, p := range parts {
		if p == "x" || p == "*" {
			return true, nil
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return false, errs.Input("term %q is not a version, a wildcard or a comparison", t)
		}
		if have[i] != n {
			return false, nil
		}
	}
	return true, nil
}
