package upgrade

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
)

// planFormat is the version of the planner's algorithm; it is part of the
// digest, so a plan made by an older Stackyard does not pass for a new one.
const planFormat = "stackyard-plan/1"

// digest hashes what the plan depends on: both template versions by their
// content, the stack, its stored values and the repository files either
// version renders. Another file of the repository may change freely.
func digest(in Input, stored map[string]any, paths []string) string {
	files := make([]string, 0, len(paths))
	sort.Strings(paths)
	for _, p := range paths {
		h := "absent"
		if data, ok := in.Ours[p]; ok {
			sum := sha256.Sum256(data)
			h = hex.EncodeToString(sum[:])
		}
		files = append(files, p+"\x00"+h)
	}
	doc, _ := json.Marshal(struct {
		Format, Template, From, FromDigest, To, ToDigest, Namespace, Owner string
		Values                                                             map[string]any
		Files                                                              []string
	}{planFormat, in.Target.Name, in.Base.Version, in.Base.Digest, in.Target.Version, in.Target.Digest,
		in.Stack.Namespace, in.Stack.Owner, stored, files})
	sum := sha256.Sum256(doc)
	return "sha256:" + hex.EncodeToString(sum[:])
}
