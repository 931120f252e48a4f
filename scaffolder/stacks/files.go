package stacks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	"cuelang.org/go/cue"

	"github.com/stackyard/stackyard/internal/errs"
)

// File is one rendered repository file.
type File struct {
	// Path is slash-separated and relative to the repository root.
	Path string `json:"path"`
	// Content is the file's bytes.
	Content []byte `json:"content"`
}

// CheckPath refuses a file path that is empty, absolute, not clean, that
// climbs out with "..", or that writes into .git: a template may write
// only inside its stack repository.
func CheckPath(p string) error {
	switch {
	case p == "" || p == ".":
		return errs.Input("file path is empty")
	case strings.ContainsAny(p, "\x00\\"):
		return errs.Input("file path %q has a backslash or a NUL byte", p)
	case strings.HasPrefix(p, "/"):
		return errs.Input("file path %q is absolute; paths are relative to the stack repository", p)
	case path.Clean(p) != p:
		return errs.Input("file path %q is not clean (want %q)", p, path.Clean(p))
	}
	for _, elem := range strings.Split(p, "/") {
		if elem == ".." {
			return errs.Input("file path %q escapes the stack repository", p)
		}
		if strings.EqualFold(elem, ".git") {
			return errs.Input("file path %q writes into .git", p)
		}
	}
	return nil
}

// renderFiles writes each file: strings as they are, structs as YAML or
// JSON by extension. It returns the files sorted by path (CUE orders
// fields as declared; a repository has no order) and their total size.
// The files are exported to JSON once and converted from there, which is
// several times faster than CUE's own YAML encoder.
func (t *Template) renderFiles(v cue.Value) ([]File, int, error) {
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return nil, 0, cueError("render files", err)
	}
	raw, err := v.MarshalJSON()
	if err != nil {
		return nil, 0, cueError("render files", err)
	}
	var byPath map[string]json.RawMessage
	if err := json.Unmarshal(raw, &byPath); err != nil {
		return nil, 0, fmt.Errorf("render files: %w", err)
	}
	if len(byPath) > t.opts.MaxFiles {
		return nil, 0, errs.Input("render files: %d files, more than the limit of %d", len(byPath), t.opts.MaxFiles)
	}
	var (
		out      []File
		problems []errs.FieldError
		size     int
	)
	for p, data := range byPath {
		content, err := encodeFile(p, data)
		if err != nil {
			problems = append(problems, t.atPos(err.Error(), "files."+quoteLabel(p), cue.Str("files"), cue.Str(p)))
			continue
		}
		size += len(content)
		out = append(out, File{Path: p, Content: content})
	}
	if len(problems) > 0 {
		sortFieldErrors(problems)
		return nil, 0, validationError("render files", problems)
	}
	if size > t.opts.MaxOutputBytes {
		return nil, 0, errs.Input("render files: %d bytes, more than the limit of %d", size, t.opts.MaxOutputBytes)
	}
	sortFiles(out)
	return out, size, nil
}

// encodeFile renders one file from its JSON: a string as it is, an object
// as YAML or indented JSON by the extension of p.
func encodeFile(p string, data json.RawMessage) ([]byte, error) {
	if err := CheckPath(p); err != nil {
		return nil, err
	}
	switch {
	case len(data) > 0 && data[0] == '"':
		var s string
		err := json.Unmarshal(data, &s)
		return []byte(s), err
	case len(data) == 0 || data[0] != '{':
		return nil, errs.Input("a file must be a string or a struct")
	}
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml":
		return jsonToYAML(data)
	case ".json":
		var b bytes.Buffer
		if err := json.Indent(&b, data, "", "  "); err != nil {
			return nil, err
		}
		b.WriteByte('\n')
		return b.Bytes(), nil
	}
	return nil, errs.Input("a struct can only be written to a .yaml, .yml or .json file; give %s as a string", p)
}

// atPos is a field error placed where the template declares sels.
func (t *Template) atPos(msg, fieldPath string, sels ...cue.Selector) errs.FieldError {
	f := errs.FieldError{Path: fieldPath, Message: msg}
	if p := t.raw.LookupPath(cue.MakePath(sels...)).Pos(); p.IsValid() {
		f.File, f.Line, f.Column = p.Filename(), p.Line(), p.Column()
	}
	return f
}

// quoteLabel quotes a label that is not an identifier, as CUE paths do.
func quoteLabel(s string) string {
	if isIdentifier(s) {
		return s
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func sortFiles(files []File) {
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
}
