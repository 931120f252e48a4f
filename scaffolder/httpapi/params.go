package httpapi

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/tasks"
)

// listQuery parses GET /v2/tasks the way Backstage's OpenAPI validator
// does: unknown parameters and ill-typed values are 400s.
func listQuery(q url.Values) (tasks.ListQuery, error) {
	if err := onlyParams(q, "createdBy", "status", "limit", "offset", "order"); err != nil {
		return tasks.ListQuery{}, err
	}
	out := tasks.ListQuery{CreatedBy: q["createdBy"], Status: q["status"]}
	var err error
	if out.Limit, err = intParam(q, "limit"); err != nil {
		return out, err
	}
	if out.Offset, err = intParam(q, "offset"); err != nil {
		return out, err
	}
	for _, o := range q["order"] {
		dir, field, ok := strings.Cut(o, ":")
		if !ok || (dir != "asc" && dir != "desc") {
			return out, errs.Input("request/query/order must match pattern \"^(asc|desc):(.+)$\"")
		}
		switch field {
		case "created_at", "status", "created_by":
		default:
			return out, errs.Input("Invalid order field")
		}
		out.Order = append(out.Order, tasks.Order{Field: field, Desc: dir == "desc"})
	}
	return out, nil
}

// afterParam reads ?after=N; strict also rejects unknown parameters.
func afterParam(q url.Values, strict bool) (int64, error) {
	if strict {
		if err := onlyParams(q, "after"); err != nil {
			return 0, err
		}
	}
	v, err := intParam(q, "after")
	if err != nil || v == nil {
		return 0, err
	}
	return int64(*v), nil
}

func onlyParams(q url.Values, allowed ...string) error {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		known := false
		for _, a := range allowed {
			known = known || a == k
		}
		if !known {
			return errs.Input("Unknown query parameter '%s'", k)
		}
	}
	return nil
}

func intParam(q url.Values, name string) (*int, error) {
	vals, ok := q[name]
	if !ok || len(vals) == 0 {
		return nil, nil
	}
	n, err := strconv.Atoi(vals[0])
	if err != nil {
		return nil, errs.Input("request/query/%s must be integer", name)
	}
	if n < 0 {
		return nil, errs.Input("request/query/%s must be >= 0", name)
	}
	return &n, nil
}
