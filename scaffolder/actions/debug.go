package actions

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/stackyard/stackyard/internal/errs"
)

// debugLog is debug:log.
type debugLog struct{}

var _ Action = debugLog{}

func (debugLog) Describe() Description {
	return Description{
		ID:          "debug:log",
		Description: "Writes a message into the log and/or lists all files in the workspace.",
		Examples: []Example{{Description: "Write a debug message",
			Example: "steps:\n  - action: debug:log\n    id: write-debug-line\n    name: Write \"Hello Backstage!\" log line\n    input:\n      message: Hello Backstage!\n"}},
		Input: Schema(map[string]any{
			"message":       prop("string", "Message to output."),
			"listWorkspace": map[string]any{"anyOf": []any{map[string]any{"type": "boolean"}, map[string]any{"type": "string", "enum": []any{"with-filenames", "with-contents"}}}, "description": "List all files in the workspace, if true, or with-filenames, or with-contents."},
			"extra":         map[string]any{"description": "Extra info"},
		}),
		Output:         Schema(map[string]any{}),
		SupportsDryRun: true,
	}
}

func (debugLog) Run(_ context.Context, ac *Context) error {
	pretty, _ := json.MarshalIndent(ac.Input, "", "  ")
	ac.Logf("%s", pretty)
	if msg, ok := ac.Input["message"].(string); ok && msg != "" {
		ac.Logf("%s", msg)
	}
	mode := ac.Input["listWorkspace"]
	if mode == nil || mode == false {
		return nil
	}
	files, err := listFiles(ac.Workspace)
	if err != nil {
		return err
	}
	if mode == "with-contents" {
		for _, f := range files {
			data, _ := os.ReadFile(filepath.Join(ac.Workspace, f))
			ac.Logf("%s:\n\n%s", f, data)
		}
		return nil
	}
	ac.Logf("Workspace:\n%s", " - "+strings.Join(files, "\n - "))
	return nil
}

// listFiles lists the regular files under dir, relative and sorted.
func listFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// debugWait is debug:wait; it stops early when the task is cancelled.
type debugWait struct{}

var _ Action = debugWait{}

// maxWait is Backstage's ceiling for debug:wait.
const maxWait = 10 * time.Minute

func (debugWait) Describe() Description {
	return Description{
		ID:          "debug:wait",
		Description: "Waits for a certain period of time.",
		Examples: []Example{{Description: "Waiting for 50 milliseconds",
			Example: "steps:\n  - action: debug:wait\n    id: wait-50-milliseconds\n    name: Waiting for 50 milliseconds\n    input:\n      milliseconds: 50\n"}},
		Input: Schema(map[string]any{
			"minutes":      prop("number", "Waiting period in minutes."),
			"seconds":      prop("number", "Waiting period in seconds."),
			"milliseconds": prop("number", "Waiting period in milliseconds."),
		}),
		Output: Schema(map[string]any{}),
	}
}

func (debugWait) Run(ctx context.Context, ac *Context) error {
	num := func(k string) float64 { return inputNumber(ac.Input, k) }
	d := time.Duration(num("minutes")*float64(time.Minute) + num("seconds")*float64(time.Second) + num("milliseconds")*float64(time.Millisecond))
	if d > maxWait {
		return errs.Input("Waiting duration is longer than the maximum threshold of 00:10:00")
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
