package upgrade

import (
	"slices"
	"strings"
)

// markerLabels name the three sides in conflict markers.
type markerLabels struct {
	Ours, Base, Theirs string
}

// merged is the outcome of a three-way merge of one file.
type merged struct {
	content   []byte
	conflicts int
}

// merge3 merges the changes from base to ours and from base to theirs, line
// by line, as diff3 does. Stretches of base that both sides keep are
// stable; between them, a stretch that only one side changed takes that
// side, one that both changed the same way takes it once, and one that
// they changed differently becomes a conflict, written git-style with the
// base in the middle (diff3 style), so the owner sees what each side did.
func merge3(base, ours, theirs []byte, l markerLabels) merged {
	o, a, b := splitLines(string(base)), splitLines(string(ours)), splitLines(string(theirs))
	ma, mb := matches(o, a), matches(o, b)
	var out strings.Builder
	conflicts := 0
	i, j, k := 0, 0, 0
	for {
		s := i
		for s < len(o) && (ma[s] < 0 || mb[s] < 0) {
			s++
		}
		ea, eb := len(a), len(b)
		if s < len(o) {
			ea, eb = ma[s], mb[s]
		}
		if i < s || j < ea || k < eb {
			if resolve(&out, o[i:s], a[j:ea], b[k:eb], l) {
				conflicts++
			}
		}
		if s == len(o) {
			break
		}
		out.WriteString(o[s])
		i, j, k = s+1, ea+1, eb+1
	}
	return merged{content: []byte(out.String()), conflicts: conflicts}
}

// resolve writes one unstable stretch and reports whether it conflicts.
func resolve(out *strings.Builder, o, a, b []string, l markerLabels) bool {
	switch {
	case slices.Equal(a, o):
		writeLines(out, b)
	case slices.Equal(b, o), slices.Equal(a, b):
		writeLines(out, a)
	default:
		out.WriteString("<<<<<<< " + l.Ours + "\n")
		writeSide(out, a)
		out.WriteString("||||||| " + l.Base + "\n")
		writeSide(out, o)
		out.WriteString("=======\n")
		writeSide(out, b)
		out.WriteString(">>>>>>> " + l.Theirs + "\n")
		return true
	}
	return false
}

func writeLines(out *strings.Builder, lines []string) {
	for _, l := range lines {
		out.WriteString(l)
	}
}

// writeSide writes one side of a conflict, ending its last line so the
// next marker starts a line of its own.
func writeSide(out *strings.Builder, lines []string) {
	writeLines(out, lines)
	if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") {
		out.WriteString("\n")
	}
}
