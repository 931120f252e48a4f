package parse

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// scalar parses a one-line plain or quoted scalar without escapes.
func (p *fastParser) scalar(s string, col int, l fastLine) *yaml.Node {
	n := p.node(yaml.ScalarNode, "", l, col)
	switch {
	case s == "":
		p.fail = true
		return nil
	case s[0] == '"':
		if len(s) < 2 || s[len(s)-1] != '"' || strings.ContainsAny(s[1:len(s)-1], "\"\\") {
			p.fail = true
			return nil
		}
		n.Tag, n.Value, n.Style = "!!str", s[1:len(s)-1], yaml.DoubleQuotedStyle
	case s[0] == '\'':
		v, ok := singleQuoted(s)
		if !ok {
			p.fail = true
			return nil
		}
		n.Tag, n.Value, n.Style = "!!str", v, yaml.SingleQuotedStyle
	default:
		if !plainOK(s) {
			p.fail = true
			return nil
		}
		n.Value = s
		n.Tag = plainTag(n)
	}
	return n
}

// plainTag resolves a plain scalar's tag as yaml.v3 does. Only values that
// start like a number, a boolean or null need yaml.v3's resolver.
func plainTag(n *yaml.Node) string {
	switch s := n.Value; s[0] {
	case '<':
		if s == "<<" {
			return "!!merge" // as yaml.v3's parser marks merge keys
		}
	case 'y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O', '~':
		switch s {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		case "null", "Null", "NULL", "~":
			return "!!null"
		}
	case '+', '-', '.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return n.ShortTag()
	}
	return "!!str"
}

// singleQuoted unquotes 'it”s', which must span all of s.
func singleQuoted(s string) (string, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i == len(s)-1
	}
	return "", false
}

// plainOK reports whether s is a plain scalar the fast path is sure of.
func plainOK(s string) bool {
	if strings.ContainsAny(s[:1], ",[]{}#&*!|>'\"%@`?:") || s[len(s)-1] == ' ' || s[len(s)-1] == ':' {
		return false
	}
	if (s[0] == '-' || s[0] == '?' || s[0] == ':') && (len(s) == 1 || s[1] == ' ') {
		return false
	}
	return !strings.Contains(s, ": ") && !strings.Contains(s, " #")
}

// flowSequence parses a one-line flow sequence of scalars, such as [a, 'b'].
func (p *fastParser) flowSequence(s string, col int, l fastLine) *yaml.Node {
	seq := p.node(yaml.SequenceNode, "!!seq", l, col)
	seq.Style = yaml.FlowStyle
	body := strings.TrimRight(stripComment(s), " ")
	if len(body) < 2 || body[len(body)-1] != ']' {
		p.fail = true
		return nil
	}
	inner := body[1 : len(body)-1]
	if strings.TrimSpace(inner) == "" {
		return seq
	}
	off := col + 1
	for _, item := range strings.Split(inner, ",") {
		t := strings.TrimLeft(item, " ")
		lead := len(item) - len(t)
		t = strings.TrimRight(t, " ")
		// In a flow, '?' ends a plain scalar (yaml.v3 then wants ',' or
		// ']'): such items are left to yaml.v3, quoted or not.
		if t == "" || strings.ContainsAny(t, "[]{}#?") || strings.Contains(t, ": ") || t[len(t)-1] == ':' ||
			(t[0] != '"' && t[0] != '\'' && strings.ContainsAny(t, "\"'")) {
			p.fail = true
			return nil
		}
		n := p.scalar(t, off+lead, l)
		if n == nil {
			return nil
		}
		seq.Content = append(seq.Content, n)
		off += len(item) + 1
	}
	return seq
}

// blockScalar parses a literal (|) or folded (>) scalar whose header s is
// at col; its lines must be indented more than parent.
func (p *fastParser) blockScalar(s string, col, parent int) *yaml.Node {
	l := p.lines[p.i]
	header := stripComment(s)
	if len(header) > 2 || (len(header) == 2 && header[1] != '-' && header[1] != '+') {
		p.fail = true
		return nil
	}
	body, trailing, ok := p.blockLines(parent, header[0] == '>')
	if !ok || body == "" {
		p.fail = true
		return nil
	}
	n := p.node(yaml.ScalarNode, "!!str", l, col)
	n.Style = yaml.LiteralStyle
	if header[0] == '>' {
		n.Style = yaml.FoldedStyle
	}
	switch {
	case len(header) == 1:
		n.Value = body + "\n"
	case header[1] == '-':
		n.Value = body
	default:
		n.Value = body + strings.Repeat("\n", trailing+1)
	}
	return n
}

// blockLines reads the lines of a block scalar after its header line and
// returns the text up to its last non-empty line, and how many empty lines
// follow that one.
func (p *fastParser) blockLines(parent int, folded bool) (body string, trailing int, ok bool) {
	j, indent := p.i+1, -1
	var lines []string
	for ; j < len(p.lines); j++ {
		l := p.lines[j]
		if l.indent == len(l.text) { // empty or spaces only
			if indent >= 0 && len(l.text) > indent || indent < 0 && l.indent > 0 {
				return "", 0, false
			}
			lines = append(lines, "")
			continue
		}
		if indent < 0 {
			if l.indent <= parent {
				return "", 0, false
			}
			indent = l.indent
		}
		if l.indent < indent {
			break
		}
		if folded && l.indent > indent {
			return "", 0, false
		}
		lines = append(lines, l.text[indent:])
	}
	p.i = j
	last := len(lines) - 1
	for last >= 0 && lines[last] == "" {
		last--
	}
	trailing = len(lines) - 1 - last
	if !folded {
		return strings.Join(lines[:last+1], "\n"), trailing, true
	}
	return fold(lines[:last+1]), trailing, true
}

// fold joins the lines of a folded scalar: a line break between two lines
// becomes a space, and each empty line a line break.
func fold(lines []string) string {
	var b strings.Builder
	empties, started := 0, false
	for _, l := range lines {
		if l == "" {
			empties++
			continue
		}
		switch {
		case !started:
			b.WriteString(strings.Repeat("\n", empties))
		case empties == 0:
			b.WriteByte(' ')
		default:
			b.WriteString(strings.Repeat("\n", empties))
		}
		b.WriteString(l)
		empties, started = 0, true
	}
	return b.String()
}
