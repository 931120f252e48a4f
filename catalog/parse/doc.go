// Package parse reads catalog files: multi-document YAML whose documents are
// entities.
//
// # Values
//
// Each document is decoded to the values encoding/json produces for
// map[string]any: map[string]any, []any, string, float64, bool and nil. A
// parsed entity is therefore equal to its own JSON round trip, which keeps
// hashes of stored entities stable. As in Backstage, where entities are
// JavaScript objects, integers beyond 2^53 lose precision. Timestamps and
// binary scalars stay strings; NaN and infinities are errors, since JSON
// cannot carry them.
//
// # Limits
//
// A catalog file may come from anyone who can push to a repository, so the
// reader bounds its work: files over MaxFileSize are refused, a document may
// nest at most MaxDepth collections deep, and alias expansion is capped at
// MaxValues values per document, so a "billion laughs" file fails at once.
// Mapping keys must be strings and may not repeat.
//
// # Speed
//
// Catalog files are nearly always plain block YAML. A fast path (fast.go)
// reads that subset about four times faster than yaml.v3 and builds the
// same node tree; anything outside it, and every syntax error, goes to
// yaml.v3. FuzzFastPath checks that the two agree.
//
// # Positions
//
// Every Document keeps its yaml.v3 node tree, and Document.Position maps a
// JSON path such as metadata.tags[1] back to a line and column, so that
// validation errors can point into the file.
package parse
