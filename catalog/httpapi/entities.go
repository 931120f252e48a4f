package httpapi

import (
	"bufio"
	"iter"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/query"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/internal/httpx"
)

func (h *handler) entities(c echo.Context) error {
	p, err := checkParams(c.QueryParams(), "filter", "fields", "order", "offset", "limit", "after")
	if err != nil {
		return err
	}
	req, err := listRequest(p)
	if err != nil {
		return err
	}
	if !req.Paged() {
		items, err := h.svc.Stream(c.Request().Context(), req)
		if err != nil {
			return err
		}
		return writeArray(c, items)
	}
	res, err := h.svc.List(c.Request().Context(), req)
	if err != nil {
		return err
	}
	if res.NextAfter != "" {
		c.Response().Header().Set("Link", "</entities"+nextQuery(c.Request().URL.RawQuery, res.NextAfter)+`>; rel="next"`)
	}
	return httpx.JSONBuilt(c, http.StatusOK, func(buf []byte) []byte { return appendArray(buf, res.Items) })
}

// nextQuery is the query string of the next page, built as Backstage does
// with URLSearchParams: the parameters keep their order, offset goes, and
// after replaces the first after (dropping the others) or comes last.
func nextQuery(raw, after string) string {
	var out []string
	replaced := false
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = formUnescape(k), formUnescape(v)
		switch {
		case k == "offset", k == "after" && replaced:
			continue
		case k == "after":
			v, replaced = after, true
		}
		out = append(out, formEscape(k)+"="+formEscape(v))
	}
	if !replaced {
		out = append(out, "after="+formEscape(after))
	}
	return "?" + strings.Join(out, "&")
}

// formUnescape decodes a form-encoded component, leaving it as is when it
// holds an invalid escape (URLSearchParams keeps those literally).
func formUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return strings.ReplaceAll(s, "+", " ")
}

// formEscape encodes like URLSearchParams: only ASCII letters, digits and
// *-._ stay, a space becomes +.
func formEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9', strings.IndexByte("*-._", ch) >= 0:
			b.WriteByte(ch)
		case ch == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[ch>>4])
			b.WriteByte(hex[ch&15])
		}
	}
	return b.String()
}

// appendArray appends items as a JSON array; a nil item (a ref that
// by-refs did not find) is null.
func appendArray(buf []byte, items [][]byte) []byte {
	buf = append(buf, '[')
	for i, it := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		if it == nil {
			it = []byte("null")
		}
		buf = append(buf, it...)
	}
	return append(buf, ']')
}

func listRequest(p params) (query.ListRequest, error) {
	var req query.ListRequest
	var err error
	if req.Filter, err = query.ParseFilters(p.list("filter")); err != nil {
		return req, err
	}
	if req.Fields, err = fields(p.csv("fields")); err != nil {
		return req, err
	}
	for _, o := range p.list("order") {
		dir, field, ok := strings.Cut(o, ":")
		if !ok || (dir != "asc" && dir != "desc") || field == "" {
			return req, errs.Input("Invalid order parameter \"%s\", expected \"<asc or desc>:<field name>\"", o)
		}
		req.Order = append(req.Order, query.Order{Field: field, Desc: dir == "desc"})
	}
	if req.Offset, err = p.intParam("offset", 0); err != nil {
		return req, err
	}
	if p.has("limit") {
		if req.Limit, err = p.intParam("limit", -1<<31); err != nil {
			return req, err
		}
		if *req.Limit <= 0 {
			return req, errs.Input("Invalid limit, must be greater than zero")
		}
	}
	if p.has("after") {
		after := p.get("after")
		req.After = &after
	}
	return req, nil
}

func fields(f []string) ([]string, error) {
	_, err := query.CompileFields(f)
	return f, err
}

// writeArray streams a JSON array item by item, so a full catalog is never
// held in memory as one response.
func writeArray(c echo.Context, items iter.Seq2[[]byte, error]) error {
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, httpx.MIMEJSON)
	w.WriteHeader(http.StatusOK)
	buf := bufio.NewWriterSize(w, 64<<10)
	buf.WriteByte('[')
	first := true
	for item, err := range items {
		if err != nil {
			return err // headers are sent: the error handler only logs
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		if _, err := buf.Write(item); err != nil {
			return nil // the client went away
		}
	}
	buf.WriteByte(']')
	return buf.Flush()
}

func (h *handler) byUID(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	b, err := h.svc.ByUID(c.Request().Context(), c.Param("uid"))
	if err != nil {
		return err
	}
	return httpx.JSONBytes(c, http.StatusOK, b)
}

func (h *handler) deleteByUID(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	if err := h.svc.DeleteByUID(c.Request().Context(), c.Param("uid")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func refParam(c echo.Context) model.EntityRef {
	unescape := func(s string) string {
		if u, err := url.PathUnescape(s); err == nil {
			return u
		}
		return s
	}
	return model.EntityRef{Kind: unescape(c.Param("kind")), Namespace: unescape(c.Param("namespace")), Name: unescape(c.Param("name"))}
}

func (h *handler) byName(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	b, err := h.svc.ByName(c.Request().Context(), refParam(c))
	if err != nil {
		return err
	}
	return httpx.JSONBytes(c, http.StatusOK, b)
}

func (h *handler) ancestry(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	a, err := h.svc.Ancestry(c.Request().Context(), refParam(c))
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, a)
}

// refreshSchema is RefreshOptions in Backstage's OpenAPI spec.
var refreshSchema = &httpx.Schema{Type: "object", Required: []string{"entityRef"}, Closed: true,
	Properties: map[string]*httpx.Schema{"entityRef": {Type: "string"}, "authorizationToken": {Type: "string"}}}

type refreshBody struct {
	EntityRef          string `json:"entityRef"`
	AuthorizationToken string `json:"authorizationToken,omitempty"`
}

func (h *handler) refresh(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	var body refreshBody
	if err := httpx.BindBody(c, refreshSchema, &body); err != nil {
		return err
	}
	if err := h.svc.Refresh(c.Request().Context(), body.EntityRef); err != nil {
		return err
	}
	return httpx.Empty(c, http.StatusOK)
}
