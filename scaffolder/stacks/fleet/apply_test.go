package fleet

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/gittest"
	"github.com/stackyard/stackyard/scaffolder/actions"
	"github.com/stackyard/stackyard/scaffolder/stacks/upgrade"
)

// TestApply_ConflictStaysOnBranch: when the owner edited a line the new
// version changes too, the upgrade commits the merge with conflict markers
// to stackyard/upgrade-2.0.0 for the owner to resolve, and leaves the
// default branch, the stack record and the catalog as they were.
func TestApply_ConflictStaysOnBranch(t *testing.T) {
	ctx := context.Background()
	fl, st, cat := newTestFleet(t, "../../../schemas/stacks/web-service")
	repos := t.TempDir()
	err := fl.LaunchAction(LaunchOptions{Repositories: repos}).Run(ctx, &actions.Context{Workspace: t.TempDir(),
		User: actions.User{Ref: "user:default/sam"}, Input: map[string]any{"template": "web-service", "version": "1.0.0",
			"values": map[string]any{"name": "orders", "owner": "group:default/team-a"}}})
	if err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(repos, "default", "orders.git")
	gittest.Edit(t, bare, "README.md", func(s string) string {
		return strings.Replace(s, "Created from the web-service template, version 1.0.0.", "Created from web-service 1.0.0; on call: team-a.", 1)
	})
	before := gittest.Head(t, bare, "main")

	stack, _ := st.Get(ctx, "default", "orders")
	res, err := fl.apply(ctx, stack, "2.0.0", applyOptions{By: "user:default/sam", Workdir: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != upgrade.StatusConflicts || res.Merged || res.Branch != "stackyard/upgrade-2.0.0" {
		t.Fatalf("applied = %+v", res)
	}
	if after := gittest.Head(t, bare, "main"); after.Hash != before.Hash {
		t.Fatalf("main moved to %s", after.Message)
	}
	branch := gittest.Head(t, bare, res.Branch)
	f, err := branch.File("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := f.Contents()
	if !strings.Contains(text, "<<<<<<< ours (repository)") || !strings.Contains(text, "on call: team-a") || !strings.Contains(text, "version 2.0.0") {
		t.Fatalf("README.md on the branch:\n%s", text)
	}
	if _, err := branch.File("deploy/pdb.yaml"); err != nil {
		t.Fatalf("the branch lacks the template's new file: %v", err)
	}
	got, _ := st.Get(ctx, "default", "orders")
	last := got.History[len(got.History)-1]
	if got.Version != "1.0.0" || last.Action != "upgrade-proposed" || !strings.Contains(last.Note, "stackyard/upgrade-2.0.0") {
		t.Fatalf("stack = %s %+v", got.Version, got.History)
	}
	for _, e := range cat.provided[StackProvider("default", "orders")] {
		if v := e.Annotation(model.AnnotationTemplateVersion); v != "1.0.0" {
			t.Fatalf("%s republished at %s", e.Ref(), v)
		}
	}

	// A digest that no longer matches refuses to run.
	if _, err := fl.apply(ctx, got, "2.0.0", applyOptions{Digest: "sha256:0", Workdir: t.TempDir(), Logf: t.Logf}); err == nil ||
		!strings.Contains(err.Error(), "plan again") {
		t.Fatalf("stale digest = %v", err)
	}
}
