package upgrade

import (
	"bytes"
	"fmt"
	"sort"
)

// Change says what an upgrade does to a file.
type Change string

// The changes a plan lists.
const (
	ChangeAdded     Change = "added"
	ChangeModified  Change = "modified"
	ChangeDeleted   Change = "deleted"
	ChangeUnchanged Change = "unchanged"
)

// Merge says whether a file merged cleanly.
type Merge string

// The outcomes of merging one file.
const (
	MergeClean    Merge = "clean"
	MergeConflict Merge = "conflict"
)

// MaxMergeBytes is the largest file merged line by line; a larger one, or
// one with a NUL byte, is merged whole: it conflicts when both sides
// changed it.
const MaxMergeBytes = 1 << 20

// FileChange is what the upgrade does to one file of the stack repository.
type FileChange struct {
	Path   string `json:"path"`
	Change Change `json:"change"`
	Merge  Merge  `json:"merge"`
	// Note says whose change it is, for people.
	Note string `json:"note,omitempty"`
	// Conflicts is the number of conflicting hunks, written with markers.
	Conflicts int `json:"conflicts,omitempty"`
	// Diff is the unified diff from the repository now to the result.
	Diff string `json:"diff,omitempty"`
	// Present says whether the file exists after the upgrade, and Content
	// is then what it holds.
	Present bool   `json:"-"`
	Content []byte `json:"-"`
}

// side is one version of a file, which may be missing.
type side struct {
	data []byte
	ok   bool
}

func (s side) is(o side) bool { return s.ok == o.ok && bytes.Equal(s.data, o.data) }

// mergeFiles merges every file either version renders, sorted by path.
func (p *planner) mergeFiles() []FileChange {
	return mergeTrees(p.base.FileMap(), p.in.Ours, p.theirs.FileMap(), markerLabels{
		Ours:   "ours (repository)",
		Base:   fmt.Sprintf("base (%s %s)", p.in.Base.Name, p.in.Base.Version),
		Theirs: fmt.Sprintf("theirs (%s %s)", p.in.Target.Name, p.in.Target.Version),
	})
}

// Revert undoes a change in the files the repository holds now (ours), as
// git revert does: a 3-way merge from after the change (the base) to
// before it (theirs). Files neither side has are left alone; edits made
// since the change are kept, and an edit of a line the change made is a
// conflict.
func Revert(after, before, ours map[string][]byte, change string) []FileChange {
	return mergeTrees(after, ours, before, markerLabels{
		Ours: "ours (repository)", Base: "after " + change, Theirs: "before " + change,
	})
}

// mergeTrees merges every file base or theirs has, sorted by path.
func mergeTrees(base, ours, theirs map[string][]byte, l markerLabels) []FileChange {
	var paths []string
	for path := range base {
		paths = append(paths, path)
	}
	for path := range theirs {
		if _, ok := base[path]; !ok {
			paths = append(paths, path)
		}
	}
	sort.Strings(paths)
	out := make([]FileChange, 0, len(paths))
	for _, path := range paths {
		b, bok := base[path]
		t, tok := theirs[path]
		o, ook := ours[path]
		fc := mergeFile(side{b, bok}, side{o, ook}, side{t, tok}, l)
		if fc == nil {
			continue
		}
		fc.Path = path
		fc.Diff = unified(path, o, fc.Content, ook, fc.Present)
		out = append(out, *fc)
	}
	return out
}

// mergeFile decides one file from its base, ours and theirs versions; nil
// means there is nothing to say (the template dropped a file the owner
// had already removed).
func mergeFile(base, ours, theirs side, l markerLabels) *FileChange {
	keep := func(c Change, note string) *FileChange {
		return &FileChange{Change: c, Merge: MergeClean, Note: note, Present: ours.ok, Content: ours.data}
	}
	take := func(c Change, note string) *FileChange {
		return &FileChange{Change: c, Merge: MergeClean, Note: note, Present: theirs.ok, Content: theirs.data}
	}
	switch {
	case !theirs.ok && !ours.ok:
		return nil
	case ours.is(theirs):
		return keep(ChangeUnchanged, "")
	case !theirs.ok && ours.is(base):
		return take(ChangeDeleted, "removed by the template")
	case !theirs.ok:
		fc := keep(ChangeDeleted, "removed by the template but edited by the owner; the file is kept")
		fc.Merge = MergeConflict
		return fc
	case !ours.ok && base.ok:
		if theirs.is(base) {
			return keep(ChangeUnchanged, "deleted by the owner")
		}
		return keep(ChangeUnchanged, "deleted by the owner; the template's change is not applied")
	case !ours.ok:
		return take(ChangeAdded, "added by the template")
	case theirs.is(base):
		return keep(ChangeUnchanged, "the owner's edit is kept")
	case ours.is(base):
		return take(ChangeModified, "changed by the template")
	}
	return mergeBoth(base, ours, theirs, l)
}

// mergeBoth merges a file both sides changed, or both added.
func mergeBoth(base, ours, theirs side, l markerLabels) *FileChange {
	c, note := ChangeModified, "changed by the template and by the owner; merged"
	if !base.ok {
		c, note = ChangeAdded, "added by the template, but the owner has a file there"
	}
	if opaque(base.data) || opaque(ours.data) || opaque(theirs.data) {
		return &FileChange{Change: c, Merge: MergeConflict, Conflicts: 1, Present: true, Content: ours.data,
			Note: note + "; too large or binary to merge by line, so the owner's file is kept"}
	}
	m := merge3(base.data, ours.data, theirs.data, l)
	fc := &FileChange{Change: c, Merge: MergeClean, Note: note, Present: true, Content: m.content, Conflicts: m.conflicts}
	if m.conflicts > 0 {
		fc.Merge = MergeConflict
		fc.Note = fmt.Sprintf("%s with %d conflict(s)", note, m.conflicts)
	}
	return fc
}

// opaque reports whether data is too large or binary to merge by line.
func opaque(data []byte) bool {
	return len(data) > MaxMergeBytes || bytes.IndexByte(data, 0) >= 0
}
