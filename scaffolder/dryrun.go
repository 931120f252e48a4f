package scaffolder

import (
	"context"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/google/uuid"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/actions"
	"github.com/stackyard/stackyard/scaffolder/tasks"
)

// DryRunRequest is the body of POST /v2/dry-run.
type DryRunRequest struct {
	Template          map[string]any    `json:"template"`
	Values            map[string]any    `json:"values"`
	Secrets           map[string]string `json:"secrets,omitempty"`
	DirectoryContents []File            `json:"directoryContents"`
}

// File is one file of a dry run, in or out.
type File struct {
	Path          string `json:"path"`
	Base64Content string `json:"base64Content"`
	Executable    bool   `json:"executable"`
}

// LogEntry is one dry-run log line; it carries only the body.
type LogEntry struct {
	Body tasks.Body `json:"body"`
}

// DryRunResult is the body of a successful dry run.
type DryRunResult struct {
	Log               []LogEntry     `json:"log"`
	DirectoryContents []File         `json:"directoryContents"`
	Output            map[string]any `json:"output"`
	Steps             []tasks.Step   `json:"steps"`
}

// DryRun runs a template given inline against uploaded files, in memory
// and temporary directories only: it stores no task and leaves nothing
// behind. A failing step fails the whole request.
func (s *Service) DryRun(ctx context.Context, userRef string, req DryRunRequest) (DryRunResult, error) {
	if req.Template == nil {
		return DryRunResult{}, errs.Input("Malformed request: template is required")
	}
	t, err := ParseTemplate(model.Entity(req.Template))
	if err != nil {
		return DryRunResult{}, errs.Input("Input template is not a template")
	}
	values, err := s.checkValues(ctx, t, req.Values)
	if err != nil {
		return DryRunResult{}, err
	}
	if err := checkSecrets(t, req.Secrets); err != nil {
		return DryRunResult{}, err
	}
	root, err := os.MkdirTemp(s.worker.WorkspaceDir(), "dry-run-")
	if err != nil {
		return DryRunResult{}, fmt.Errorf("dry run: %w", err)
	}
	defer os.RemoveAll(root)
	content, ws := filepath.Join(root, "content-"+uuid.NewString()), filepath.Join(root, "workspace")
	if err := writeFiles(content, req.DirectoryContents); err != nil {
		return DryRunResult{}, err
	}
	if err := os.MkdirAll(ws, 0o755); err != nil {
		return DryRunResult{}, fmt.Errorf("dry run: %w", err)
	}
	spec := s.buildSpec(ctx, t, "template:default/dry-run", values, userRef)
	spec.TemplateInfo.BaseURL = "file://" + filepath.Join(content, "template.yaml")
	sink := &memorySink{}
	res := s.runner.Run(ctx, tasks.Run{TaskID: "dry-run-" + uuid.NewString(), Spec: spec, Secrets: req.Secrets, Workspace: ws, DryRun: true}, sink)
	if res.Status != tasks.StatusCompleted {
		if res.Err == nil {
			res.Err = fmt.Errorf("dry run ended with status %s", res.Status)
		}
		return DryRunResult{}, res.Err
	}
	files, err := readFiles(ws)
	if err != nil {
		return DryRunResult{}, err
	}
	return DryRunResult{Log: sink.entries, DirectoryContents: files, Output: res.Output, Steps: spec.Steps}, nil
}

// memorySink keeps a dry run's log.
type memorySink struct {
	mu      sync.Mutex
	entries []LogEntry
}

func (m *memorySink) Emit(_ context.Context, _ tasks.EventType, b tasks.Body) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = append(m.entries, LogEntry{Body: b})
	return nil
}

func writeFiles(dir string, files []File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("dry run: %w", err)
	}
	for _, f := range files {
		p, err := actions.SafeJoin(dir, f.Path)
		if err != nil {
			return errs.Input("Malformed request: file path %q escapes the template directory", f.Path)
		}
		data, err := base64.StdEncoding.DecodeString(f.Base64Content)
		if err != nil {
			return errs.Input("Malformed request: file %q is not base64: %s", f.Path, err)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("dry run: %w", err)
		}
		mode := os.FileMode(0o644)
		if f.Executable {
			mode = 0o755
		}
		if err := os.WriteFile(p, data, mode); err != nil {
			return fmt.Errorf("dry run: %w", err)
		}
	}
	return nil
}

// readFiles serialises the workspace, skipping .git.
func readFiles(dir string) ([]File, error) {
	out := []File{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, File{Path: filepath.ToSlash(rel), Base64Content: base64.StdEncoding.EncodeToString(data),
			Executable: info.Mode()&0o111 != 0})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	if err != nil {
		return nil, fmt.Errorf("dry run: read workspace: %w", err)
	}
	return out, nil
}
