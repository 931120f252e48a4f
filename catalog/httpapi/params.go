package httpapi

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
)

// params checks a request's query string the way Backstage's OpenAPI
// validator does: unknown and empty parameters are errors.
type params struct {
	values url.Values
}

func checkParams(q url.Values, allowed ...string) (params, error) {
	for k, vs := range q {
		if !contains(allowed, k) {
			return params{}, errs.Input("Unknown query parameter '%s'", k)
		}
		for _, v := range vs {
			if v == "" {
				return params{}, errs.Input("Empty value found for query parameter '%s'", k)
			}
		}
		if typ, ok := scalarParams[k]; ok && len(vs) > 1 {
			return params{}, errs.Input("request/query/%s must be %s", k, typ)
		}
	}
	return params{values: q}, nil
}

// scalarParams are the query parameters that take a single value, with
// their type in Backstage's OpenAPI spec: given twice, they become an array
// and fail the type check.
var scalarParams = map[string]string{
	"limit": "integer", "offset": "integer", "after": "string", "cursor": "string",
	"fullTextFilterTerm": "string", "totalItems": "string", "dryRun": "string", "onConflict": "string", "owner": "string",
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// list returns every value of a repeated parameter.
func (p params) list(k string) []string { return p.values[k] }

// csv returns the comma-separated values of a parameter that may repeat.
func (p params) csv(k string) []string {
	var out []string
	for _, v := range p.values[k] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func (p params) has(k string) bool { return len(p.values[k]) > 0 }

func (p params) get(k string) string { return p.values.Get(k) }

// intParam parses an integer parameter with a lower bound.
func (p params) intParam(k string, lowest int) (*int, error) {
	if !p.has(k) {
		return nil, nil
	}
	n, err := strconv.Atoi(p.get(k))
	if err != nil {
		return nil, errs.Input("request/query/%s must be integer", k)
	}
	if n < lowest {
		return nil, errs.Input("request/query/%s must be >= %d", k, lowest)
	}
	return &n, nil
}

// yes reads a boolean query parameter as Backstage's yn does, false unless
// it is y, yes, true, 1 or on in any case.
func yes(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "y", "yes", "true", "1", "on":
		return true
	}
	return false
}
