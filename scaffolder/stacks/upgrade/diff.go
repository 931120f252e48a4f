package upgrade

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// op is the kind of one run of a line diff.
type op int8

const (
	opEqual op = iota
	opDelete
	opInsert
)

// edit is a run of n lines of one kind.
type edit struct {
	op op
	n  int
}

// splitLines splits text after each "\n"; a last line without one is kept
// as it is, so joining the lines gives the text back.
func splitLines(text string) []string {
	if text == "" {
		return nil
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// lineDiff is a minimal line diff of a and b. Each distinct line becomes
// one rune and diffmatchpatch's Myers diff runs on the runes, with no
// timeout, so the result is deterministic.
func lineDiff(a, b []string) []edit {
	ids := map[string]rune{}
	encode := func(lines []string) []rune {
		out := make([]rune, len(lines))
		for i, l := range lines {
			r, ok := ids[l]
			if !ok {
				r = lineRune(len(ids))
				ids[l] = r
			}
			out[i] = r
		}
		return out
	}
	ra, rb := encode(a), encode(b)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	var out []edit
	for _, d := range dmp.DiffMainRunes(ra, rb, false) {
		e := edit{n: utf8.RuneCountInString(d.Text)}
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			e.op = opDelete
		case diffmatchpatch.DiffInsert:
			e.op = opInsert
		}
		out = append(out, e)
	}
	return out
}

// lineRune maps a line number to a rune, skipping the surrogate range,
// which does not survive a conversion to string. maxLines keeps i in range.
func lineRune(i int) rune {
	r := rune(i + 1)
	if r >= 0xD800 {
		r += 0x800
	}
	return r
}

// matches maps each line of base to its line in other, or -1 where other
// changed or dropped it.
func matches(base, other []string) []int {
	m := make([]int, len(base))
	i, j := 0, 0
	for _, e := range lineDiff(base, other) {
		switch e.op {
		case opEqual:
			for k := 0; k < e.n; k++ {
				m[i+k] = j + k
			}
			i, j = i+e.n, j+e.n
		case opDelete:
			for k := 0; k < e.n; k++ {
				m[i+k] = -1
			}
			i += e.n
		case opInsert:
			j += e.n
		}
	}
	return m
}

// contextLines is how many unchanged lines a unified diff shows around a change.
const contextLines = 3

// unified returns the unified diff of a and b with git's a/ and b/ labels,
// or "" when they are equal. A missing side is /dev/null.
func unified(path string, a, b []byte, aExists, bExists bool) string {
	if aExists == bExists && string(a) == string(b) {
		return ""
	}
	from, to := "a/"+path, "b/"+path
	if !aExists {
		from = "/dev/null"
	}
	if !bExists {
		to = "/dev/null"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", from, to)
	lines := script(splitLines(string(a)), splitLines(string(b)))
	for i := 0; i < len(lines); {
		if lines[i].op == opEqual {
			i++
			continue
		}
		start, end := max(i-contextLines, 0), hunkEnd(lines, i)
		writeHunk(&sb, lines[start:end])
		i = end
	}
	return sb.String()
}

// diffLine is one line of an edit script, with its 1-based line numbers
// in a and b (the next line's, for a line missing from that side).
type diffLine struct {
	op         op
	text       string
	aNum, bNum int
}

// script expands the line diff of a and b into one entry per line.
func script(a, b []string) []diffLine {
	var out []diffLine
	i, j := 0, 0
	for _, e := range lineDiff(a, b) {
		for k := 0; k < e.n; k++ {
			d := diffLine{op: e.op, aNum: i + 1, bNum: j + 1}
			switch e.op {
			case opEqual:
				d.text = a[i]
				i, j = i+1, j+1
			case opDelete:
				d.text = a[i]
				i++
			case opInsert:
				d.text = b[j]
				j++
			}
			out = append(out, d)
		}
	}
	return out
}

// hunkEnd returns where the hunk that starts with the change at i ends:
// contextLines after its last change, joining changes that fewer than
// 2*contextLines unchanged lines apart.
func hunkEnd(lines []diffLine, i int) int {
	end := i
	for {
		for end < len(lines) && lines[end].op != opEqual {
			end++
		}
		k := end
		for k < len(lines) && lines[k].op == opEqual && k-end <= 2*contextLines {
			k++
		}
		if k < len(lines) && lines[k].op != opEqual {
			end = k
			continue
		}
		return min(end+contextLines, len(lines))
	}
}

// writeHunk prints one hunk with its @@ header.
func writeHunk(sb *strings.Builder, lines []diffLine) {
	an, bn := 0, 0
	for _, l := range lines {
		if l.op != opInsert {
			an++
		}
		if l.op != opDelete {
			bn++
		}
	}
	fmt.Fprintf(sb, "@@ -%s +%s @@\n", span(lines[0].aNum, an), span(lines[0].bNum, bn))
	for _, l := range lines {
		writeLine(sb, " -+"[l.op], l.text)
	}
}

// span is a hunk range as unified diffs write it: start,count, with the
// count left out when it is 1 and the start moved back for an empty range.
func span(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

func writeLine(sb *strings.Builder, prefix byte, line string) {
	sb.WriteByte(prefix)
	sb.WriteString(line)
	if !strings.HasSuffix(line, "\n") {
		sb.WriteString("\n\\ No newline at end of file\n")
	}
}
