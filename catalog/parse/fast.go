package parse

import (
	"strings"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The fast path reads the plain block YAML that catalog files are almost
// always written in about four times faster than yaml.v3, and builds the
// same yaml.v3 node tree (comments aside). It gives up on anything else
// (anchors, tags, flow mappings, multi-line flow or plain scalars, escapes,
// tabs, CRLF, ...) and the caller then parses the whole file with yaml.v3,
// which also reports every syntax error. FuzzFastPath checks that both
// agree wherever the fast path answers.

// fastLine is one line of the file.
type fastLine struct {
	num    int    // 1-based line number
	text   string // without the line break
	indent int    // leading spaces
	blank  bool   // empty, spaces only, or a comment
}

// fastParser parses the lines of one document.
type fastParser struct {
	lines []fastLine
	i     int  // current line
	fail  bool // the input is outside the fast path's subset
	nodes *arena
}

// node allocates a node from the arena.
func (p *fastParser) node(kind yaml.Kind, tag string, l fastLine, off int) *yaml.Node {
	n := p.nodes.node()
	*n = yaml.Node{Kind: kind, Tag: tag, Line: l.num, Column: column(l.text, off)}
	return n
}

// arena hands out nodes from slabs of slabSize: one allocation for many
// small nodes. Once nothing refers to its nodes any more, release gives
// the slabs to the next arena: two readings of 100,000 entities allocated
// 1.9 GB of nodes, a fifth of all they allocated.
type arena struct {
	slabs []*[]yaml.Node
	reuse bool // release keeps the slabs for other arenas
}

const slabSize = 64

var slabs = sync.Pool{New: func() any { s := make([]yaml.Node, 0, slabSize); return &s }}

func (a *arena) node() *yaml.Node {
	if len(a.slabs) == 0 || len(*a.slabs[len(a.slabs)-1]) == slabSize {
		var s *[]yaml.Node
		if a.reuse {
			s = slabs.Get().(*[]yaml.Node)
		} else {
			b := make([]yaml.Node, 0, slabSize)
			s = &b
		}
		a.slabs = append(a.slabs, s)
	}
	s := a.slabs[len(a.slabs)-1]
	*s = append(*s, yaml.Node{})
	return &(*s)[len(*s)-1]
}

// release gives back the slabs of an arena made with reuse; its nodes
// must not be used any more.
func (a *arena) release() {
	if a == nil || !a.reuse {
		return
	}
	for _, s := range a.slabs {
		clear(*s)
		*s = (*s)[:0]
		slabs.Put(s)
	}
	a.slabs = nil
}

// fastDocuments parses data into yaml.v3 document nodes, or reports false
// when data is outside the subset. Empty documents are left out. The
// nodes come from nodes.
func fastDocuments(data []byte, nodes *arena) ([]*yaml.Node, bool) {
	if len(data) == 0 || data[len(data)-1] != '\n' || !printable(data) {
		return nil, false
	}
	lines := splitLines(string(data))
	var docs []*yaml.Node
	start, docLine := 0, 0
	for i := 0; i <= len(lines); i++ {
		if i < len(lines) && !isMarker(lines[i].text) {
			continue
		}
		if i < len(lines) && lines[i].text[0] != '-' {
			return nil, false // a directive, or an explicit document end
		}
		if doc, ok := fastDocument(lines[start:i], docLine, nodes); !ok {
			return nil, false
		} else if doc != nil {
			docs = append(docs, doc)
		}
		if i < len(lines) {
			if rest := strings.TrimSpace(lines[i].text[3:]); rest != "" && rest[0] != '#' {
				return nil, false // content after --- or ...
			}
			start, docLine = i+1, 0
			if lines[i].text[0] == '-' {
				docLine = lines[i].num
			}
		}
	}
	return docs, true
}

// printable reports whether data is printable ASCII, less tabs and
// carriage returns. Anything else (every non-ASCII character included) is
// left to yaml.v3: the fast path only takes the plain files that make up
// large catalogs, and differential fuzzing kept finding Unicode corners
// (line separators, key-length limits) where it disagreed.
func printable(data []byte) bool {
	for _, c := range data {
		if (c < 0x20 && c != '\n') || c >= 0x7f {
			return false
		}
	}
	return true
}

// isMarker reports a line that ends a document: ---, ..., or a directive.
func isMarker(s string) bool {
	if strings.HasPrefix(s, "%") {
		return true
	}
	if !strings.HasPrefix(s, "---") && !strings.HasPrefix(s, "...") {
		return false
	}
	return len(s) == 3 || s[3] == ' '
}

func splitLines(s string) []fastLine {
	out := make([]fastLine, 0, strings.Count(s, "\n"))
	for n := 1; s != ""; n++ {
		i := strings.IndexByte(s, '\n')
		t := s[:i]
		s = s[i+1:]
		indent := len(t) - len(strings.TrimLeft(t, " "))
		out = append(out, fastLine{num: n, text: t, indent: indent, blank: indent == len(t) || t[indent] == '#'})
	}
	return out
}

// fastDocument parses the lines of one document; a nil node means empty.
// docLine is the line of its explicit "---", or 0.
func fastDocument(lines []fastLine, docLine int, nodes *arena) (*yaml.Node, bool) {
	p := &fastParser{lines: lines, nodes: nodes}
	if !p.skipBlank() {
		return nil, true
	}
	first := p.lines[p.i]
	if first.indent != 0 && docLine == 0 {
		return nil, false
	}
	root := p.block(first.indent)
	if p.fail || p.skipBlank() {
		return nil, false
	}
	doc := nodes.node()
	*doc = yaml.Node{Kind: yaml.DocumentNode, Line: first.num, Column: first.indent + 1, Content: []*yaml.Node{root}}
	if docLine != 0 {
		doc.Line, doc.Column = docLine, 1
	}
	return doc, true
}

// skipBlank moves to the next line with content and reports whether there is one.
func (p *fastParser) skipBlank() bool {
	for p.i < len(p.lines) && p.lines[p.i].blank {
		p.i++
	}
	return p.i < len(p.lines)
}

// block parses the block collection that starts at the current line, whose
// indentation is col.
func (p *fastParser) block(col int) *yaml.Node {
	l := p.lines[p.i]
	if l.indent != col {
		p.fail = true
		return nil
	}
	if rest := l.text[col:]; rest == "-" || strings.HasPrefix(rest, "- ") {
		return p.sequence(col)
	}
	return p.mapping(col)
}

// sequence parses a block sequence whose dashes are at col.
func (p *fastParser) sequence(col int) *yaml.Node {
	l := p.lines[p.i]
	seq := p.node(yaml.SequenceNode, "!!seq", l, col)
	for !p.fail && p.skipBlank() {
		l = p.lines[p.i]
		if l.indent != col || !(l.text[col:] == "-" || strings.HasPrefix(l.text[col:], "- ")) {
			if l.indent > col {
				p.fail = true
			}
			break
		}
		rest := l.text[col:]
		item := strings.TrimLeft(rest[1:], " ")
		itemCol := len(l.text) - len(item)
		switch {
		case item == "" || item[0] == '#' || strings.HasPrefix(item, "- ") || item == "-":
			p.fail = true // the item is on the next lines, or a nested sequence
		case keyEnd(item) > 0:
			// A mapping that starts on the dash's line: it is indented to
			// its first key.
			p.lines[p.i].indent = itemCol
			seq.Content = append(seq.Content, p.mapping(itemCol))
		default:
			seq.Content = append(seq.Content, p.value(item, itemCol, col))
		}
	}
	return seq
}

// mapping parses a block mapping whose keys are at col.
func (p *fastParser) mapping(col int) *yaml.Node {
	l := p.lines[p.i]
	m := p.node(yaml.MappingNode, "!!map", l, col)
	for !p.fail && p.skipBlank() {
		l = p.lines[p.i]
		if l.indent != col {
			if l.indent > col {
				p.fail = true
			}
			break
		}
		text := l.text[col:]
		end := keyEnd(text)
		// yaml.v3 refuses implicit keys over 1024 characters; leave them
		// (and anything near the limit) to it.
		if end <= 0 || end > 1024 {
			p.fail = true
			break
		}
		key := p.scalar(text[:end], col, l)
		if key == nil {
			break
		}
		m.Content = append(m.Content, key)
		rest := text[end+1:]
		val := strings.TrimLeft(rest, " ")
		switch {
		case rest == "":
			m.Content = append(m.Content, p.nested(col, l, col+end+1))
		case val == "" || val[0] == '#':
			p.fail = true
		default:
			m.Content = append(m.Content, p.value(val, len(l.text)-len(val), col))
		}
	}
	return m
}

// nested parses the value of a key that ends its line: a block collection
// on the next lines, or null. colonEnd is the column after the colon.
func (p *fastParser) nested(col int, l fastLine, colonEnd int) *yaml.Node {
	p.i++
	if p.skipBlank() {
		next := p.lines[p.i]
		rest := next.text[next.indent:]
		if next.indent > col || (next.indent == col && (rest == "-" || strings.HasPrefix(rest, "- "))) {
			return p.block(next.indent)
		}
	}
	return p.node(yaml.ScalarNode, "!!null", l, colonEnd)
}

// keyEnd returns the index of the colon that ends a plain or quoted key at
// the start of s, or -1.
func keyEnd(s string) int {
	if s == "" {
		return -1
	}
	if s[0] == '"' || s[0] == '\'' {
		q := strings.IndexByte(s[1:], s[0])
		if q < 0 || 2+q >= len(s) || s[2+q] != ':' || (3+q < len(s) && s[3+q] != ' ') {
			return -1
		}
		return 2 + q
	}
	for i := 0; i < len(s); i++ {
		if s[i] == ':' && (i+1 == len(s) || s[i+1] == ' ') {
			return i
		}
		if s[i] == '#' && i > 0 && s[i-1] == ' ' {
			return -1
		}
	}
	return -1
}

// value parses a value that starts on the current line at byte col. parent
// is the indentation of the collection holding it.
func (p *fastParser) value(s string, col, parent int) *yaml.Node {
	l := p.lines[p.i]
	switch s[0] {
	case '|', '>':
		return p.blockScalar(s, col, parent)
	case '[':
		n := p.flowSequence(s, col, l)
		p.i++
		return n
	case '{':
		if strings.TrimSpace(stripComment(s[1:])) != "}" {
			p.fail = true
			return nil
		}
		p.i++
		n := p.node(yaml.MappingNode, "!!map", l, col)
		n.Style = yaml.FlowStyle
		return n
	}
	n := p.scalar(stripComment(s), col, l)
	p.i++
	return n
}

// stripComment removes a trailing " # comment" and spaces outside quotes.
func stripComment(s string) string {
	if s != "" && (s[0] == '"' || s[0] == '\'') {
		if q := strings.IndexByte(s[1:], s[0]); q >= 0 {
			rest := strings.TrimSpace(s[q+2:])
			if rest == "" || rest[0] == '#' {
				return s[:q+2]
			}
		}
		return s
	}
	if i := strings.Index(s, " #"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, " ")
}

// column converts a byte offset in a line to yaml.v3's 1-based column,
// which counts characters.
func column(text string, off int) int {
	return utf8.RuneCountInString(text[:off]) + 1
}
