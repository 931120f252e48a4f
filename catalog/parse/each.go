package parse

import (
	"bytes"

	"gopkg.in/yaml.v3"

	"github.com/stackyard/stackyard/internal/errs"
)

// Each reads the documents of a catalog file one at a time and hands each to
// fn, so a file of 100,000 entities never holds all its node trees at once.
// Documents, positions and problems are those YAML would report for the
// whole file; the problems come back at the end as one
// *errs.ValidationError. An error from fn stops the reading and is returned.
//
// The file is cut at document markers ("---" or "..." at the start of a
// line), which YAML forbids anywhere else at the start of a line, even
// inside quoted scalars.
func Each(file string, data []byte, fn func(Document) error) error {
	if len(data) > MaxFileSize {
		return errs.Input("%s: file is %d bytes, more than the limit of %d", file, len(data), MaxFileSize)
	}
	var problems []errs.FieldError
	line := 0
	for len(data) > 0 {
		chunk, rest := cutDocument(data)
		docs, err := YAML(file, chunk)
		for _, d := range docs {
			shiftDocument(&d, line)
			if err := fn(d); err != nil {
				return err
			}
		}
		if ve, ok := err.(*errs.ValidationError); ok {
			for _, f := range ve.Fields {
				if f.Line > 0 {
					f.Line += line
				}
				problems = append(problems, f)
			}
		} else if err != nil {
			return err
		}
		line += bytes.Count(chunk, []byte{'\n'})
		data = rest
	}
	if len(problems) > 0 {
		return &errs.ValidationError{Fields: problems}
	}
	return nil
}

// cutDocument splits off the first document: everything up to the next
// line that starts a new one.
func cutDocument(data []byte) (chunk, rest []byte) {
	for i := 0; i < len(data); {
		nl := bytes.IndexByte(data[i:], '\n')
		if nl < 0 {
			return data, nil
		}
		next := i + nl + 1
		if next < len(data) && startsDocument(data[next:]) {
			return data[:next], data[next:]
		}
		i = next
	}
	return data, nil
}

func startsDocument(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	return len(line) == 3 || line[3] == '\n' || line[3] == ' ' || line[3] == '\t' || line[3] == '\r'
}

// shiftDocument moves a document parsed from a chunk to its place in the file.
func shiftDocument(d *Document, lines int) {
	if lines == 0 {
		return
	}
	d.Line += lines
	shiftNode(d.Node, lines, map[*yaml.Node]bool{})
}

func shiftNode(n *yaml.Node, lines int, seen map[*yaml.Node]bool) {
	if n == nil || seen[n] {
		return
	}
	seen[n] = true
	n.Line += lines
	for _, c := range n.Content {
		shiftNode(c, lines, seen)
	}
}
