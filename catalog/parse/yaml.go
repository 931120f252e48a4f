package parse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
)

// Bounds on the work one catalog file may cause.
const (
	// MaxFileSize is the largest catalog file accepted, in bytes.
	MaxFileSize = 64 << 20
	// MaxDepth is how deeply collections may nest in one document.
	MaxDepth = 64
	// MaxValues is how many values one document may decode to, aliases expanded.
	MaxValues = 1 << 20
	// MaxAliasValues is how many of those values may come from expanding
	// aliases; legitimate anchors reuse a few small blocks.
	MaxAliasValues = 1 << 16
)

// Document is one YAML document of a catalog file.
type Document struct {
	// File is the file name as given to YAML.
	File string
	// Line is the line where the document starts (1-based).
	Line int
	// Node is the yaml.v3 document node, kept for positions. It is nil for an
	// entity that did not come from YAML.
	Node *yaml.Node
	// Entity is the document decoded to JSON values (see the package doc).
	Entity model.Entity
}

// YAML reads the documents of a catalog file. Empty documents are skipped.
// A document that is not an object, a non-string or repeated key, and
// anything past the package's limits are errors; YAML then returns the other
// documents along with an *errs.ValidationError, which matches errs.ErrInput
// and names file:line:col for each problem. A syntax error stops the reading.
func YAML(file string, data []byte) ([]Document, error) {
	return yamlIn(file, data, &arena{})
}

// yamlIn is YAML with the fast path's nodes from nodes.
func yamlIn(file string, data []byte, nodes *arena) ([]Document, error) {
	if len(data) > MaxFileSize {
		return nil, errs.Input("%s: file is %d bytes, more than the limit of %d", file, len(data), MaxFileSize)
	}
	var (
		docs     []Document
		problems []errs.FieldError
	)
	roots, syntax := readNodes(file, data, nodes)
	for _, n := range roots {
		doc, ok, err := document(file, n)
		if err != nil {
			problems = append(problems, fieldError(file, err))
			continue
		}
		if ok {
			docs = append(docs, doc)
		}
	}
	if syntax != nil {
		problems = append(problems, *syntax)
	}
	if len(problems) > 0 {
		return docs, &errs.ValidationError{Fields: problems}
	}
	return docs, nil
}

// readNodes parses the documents of a file, with the fast path when it can,
// and returns the nodes read before a syntax error along with the error.
func readNodes(file string, data []byte, nodes *arena) ([]*yaml.Node, *errs.FieldError) {
	if nodes, ok := fastDocuments(data, nodes); ok {
		return nodes, nil
	}
	return slowNodes(file, data)
}

// slowNodes parses the documents of a file with yaml.v3.
func slowNodes(file string, data []byte) ([]*yaml.Node, *errs.FieldError) {
	var nodes []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		n := new(yaml.Node)
		err := dec.Decode(n)
		if errors.Is(err, io.EOF) {
			return nodes, nil
		}
		if err != nil {
			f := syntaxError(file, err)
			return nodes, &f
		}
		nodes = append(nodes, n)
	}
}

// document decodes one document node; ok is false for an empty document.
func document(file string, n *yaml.Node) (doc Document, ok bool, err error) {
	if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
		return Document{}, false, nil
	}
	root := n.Content[0]
	if root.Kind == yaml.AliasNode && root.Alias != nil {
		root = root.Alias
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return Document{}, false, nil
	}
	if root.Kind != yaml.MappingNode {
		return Document{}, false, &nodeError{root, fmt.Sprintf("expected an object at the root of the document, got %s", describe(root))}
	}
	d := decoder{}
	v, err := d.mapping(root, 1)
	if err != nil {
		return Document{}, false, err
	}
	return Document{File: file, Line: n.Line, Node: n, Entity: model.Entity(v)}, true, nil
}

// nodeError is a decoding problem at a node.
type nodeError struct {
	node *yaml.Node
	msg  string
}

func (e *nodeError) Error() string { return e.msg }

// fieldError places a decoding problem in the file.
func fieldError(file string, err error) errs.FieldError {
	f := errs.FieldError{File: file, Message: err.Error()}
	var ne *nodeError
	if errors.As(err, &ne) {
		f.Line, f.Column = ne.node.Line, ne.node.Column
	}
	return f
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 error into a field error. yaml.v3 reports
// only the line, so the column is 1.
func syntaxError(file string, err error) errs.FieldError {
	msg := err.Error()
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return errs.FieldError{File: file, Line: line, Column: 1, Message: "invalid YAML: " + m[2]}
	}
	if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	return errs.FieldError{File: file, Message: "invalid YAML: " + msg}
}

// describe names what a node holds, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "an object"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!str":
			return "a string"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "null"
		}
		return "a " + n.Tag + " value"
	}
	return "an alias"
}
