package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/internal/errs"
)

// Schema is the part of JSON Schema that Backstage's OpenAPI request
// validator (ajv behind express-openapi-validator) applies to request
// bodies. BindBody checks a body against it before decoding, so a body the
// validator rejects is rejected here with the same message.
type Schema struct {
	// Type is "object", "array", "string", "integer", "number" or
	// "boolean"; empty accepts any value.
	Type string
	// Required lists the required properties in the spec's order; the first
	// missing one is reported.
	Required []string
	// Properties holds the schemas of known properties.
	Properties map[string]*Schema
	// Closed is additionalProperties: false.
	Closed bool
	// Items is the schema of every array item.
	Items *Schema
}

// BindBody reads a JSON request body, checks it against s (whose Type must
// be "object") the way Backstage's request validator does and decodes it
// into v. Unknown properties are ignored unless s is Closed. When v is a
// Refiner, its Refine checks the document before it is decoded. An empty
// body counts as {}, as with Express's JSON parser.
func BindBody(c echo.Context, s *Schema, v any) error {
	data, err := readBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	} else if ct := c.Request().Header.Get(echo.HeaderContentType); !isJSON(ct) {
		if ct == "" {
			ct = "undefined" // Backstage prints the missing header as JavaScript does
		}
		return errs.Input("unsupported media type %s", strings.ToLower(ct))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return errs.Input("Malformed request: %s", err)
	}
	if dec.More() {
		return errs.Input("Malformed request: trailing data after JSON body")
	}
	if err := s.check("request/body", doc); err != nil {
		return err
	}
	if r, ok := v.(Refiner); ok {
		m, _ := doc.(map[string]any)
		if err := r.Refine(m); err != nil {
			return err
		}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errs.Input("Malformed request: %s", err)
	}
	return nil
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// check validates doc at path, reporting the first failure as ajv words it:
// type, then required properties, then additional properties, then the
// properties themselves.
func (s *Schema) check(path string, doc any) error {
	if s == nil {
		return nil
	}
	if s.Type != "" && !hasType(doc, s.Type) {
		return errs.Input("%s must be %s", path, s.Type)
	}
	switch d := doc.(type) {
	case map[string]any:
		for _, r := range s.Required {
			if _, ok := d[r]; !ok {
				return errs.Input("%s must have required property '%s'", path, r)
			}
		}
		keys := make([]string, 0, len(d))
		for k := range d {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if _, known := s.Properties[k]; s.Closed && !known {
				return errs.Input("%s must NOT have additional properties", path)
			}
		}
		for _, k := range keys {
			if err := s.Properties[k].check(path+"/"+k, d[k]); err != nil {
				return err
			}
		}
	case []any:
		for i, item := range d {
			if err := s.Items.check(fmt.Sprintf("%s/%d", path, i), item); err != nil {
				return err
			}
		}
	}
	return nil
}

func hasType(doc any, typ string) bool {
	switch d := doc.(type) {
	case map[string]any:
		return typ == "object"
	case []any:
		return typ == "array"
	case string:
		return typ == "string"
	case bool:
		return typ == "boolean"
	case json.Number:
		if typ == "number" {
			return true
		}
		_, err := d.Int64()
		return typ == "integer" && err == nil
	}
	return false
}
