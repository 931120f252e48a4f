package upgrade

import (
	"encoding/json"
	"path"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// repoEdit is a parameter's value as the owner edited it in the repository.
type repoEdit struct {
	value, rendered any
	file, path      string
}

// repoEdits reads the parameters bound to a place in a file with
// @repo(file=..., path=...) back from the merged files. Where the merged
// file holds another value than the target renders, the owner's edit
// survived the merge and is what the repository will run. Files in
// conflict are skipped: the conflict is reported already.
func (p *planner) repoEdits() map[string]repoEdit {
	merged := make(map[string]FileChange, len(p.out.Files))
	for _, fc := range p.out.Files {
		merged[fc.Path] = fc
	}
	theirs := p.theirs.FileMap()
	edits := map[string]repoEdit{}
	for _, prm := range p.in.Target.Params() {
		if prm.Repo == nil {
			continue
		}
		fc, ok := merged[prm.Repo.File]
		if !ok || !fc.Present || fc.Merge == MergeConflict {
			continue
		}
		rendered, ok := lookupIn(theirs[prm.Repo.File], prm.Repo.File, prm.Repo.Path)
		if !ok {
			continue
		}
		now, ok := lookupIn(fc.Content, prm.Repo.File, prm.Repo.Path)
		if ok && !equal(now, rendered) {
			edits[prm.Name] = repoEdit{value: now, rendered: rendered, file: prm.Repo.File, path: prm.Repo.Path}
		}
	}
	return edits
}

// lookupIn reads the value at a dotted path (spec.replicas,
// spec.containers.0.image) in a YAML or JSON file, as a JSON value.
func lookupIn(data []byte, file, at string) (any, bool) {
	var doc any
	switch strings.ToLower(path.Ext(file)) {
	case ".json":
		if json.Unmarshal(data, &doc) != nil {
			return nil, false
		}
	case ".yaml", ".yml":
		if yaml.Unmarshal(data, &doc) != nil {
			return nil, false
		}
	default:
		return nil, false
	}
	cur := doc
	for _, elem := range strings.Split(at, ".") {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[elem]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(elem)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return jsonValue(cur)
}

// jsonValue normalizes a decoded value to what encoding/json produces.
func jsonValue(v any) (any, bool) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	var out any
	return out, json.Unmarshal(b, &out) == nil
}
