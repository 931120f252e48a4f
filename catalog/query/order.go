package query

import (
	"regexp"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
)

// ParseOrderField parses one orderField parameter of GET
// /entities/by-query, "<field>[,asc|desc]", as Backstage does: the value is
// split on commas, the second part, when present, must be asc or desc, and
// anything after it is ignored.
func ParseOrderField(s string) (Order, error) {
	parts := strings.Split(s, ",")
	if len(parts) > 1 && parts[1] != "asc" && parts[1] != "desc" {
		return Order{}, errs.Input("Invalid order field order, must be asc or desc")
	}
	return Order{Field: parts[0], Desc: len(parts) > 1 && parts[1] == "desc"}, nil
}

// orderParam is the form of GET /entities order parameters.
var orderParam = regexp.MustCompile(`^(asc|desc):(.+)$`)

// ParseOrder parses one order parameter of GET /entities, "asc:<field>" or
// "desc:<field>".
func ParseOrder(s string) (Order, error) {
	m := orderParam.FindStringSubmatch(s)
	if m == nil {
		return Order{}, errs.Input(`Invalid order parameter "%s", expected "<asc or desc>:<field name>"`, s)
	}
	return Order{Field: m[2], Desc: m[1] == "desc"}, nil
}
