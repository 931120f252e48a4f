// Package actions holds the scaffolder's built-in actions and the Registry
// that looks them up, lists them for GET /v2/actions and validates their
// input against each action's JSON Schema.
//
// Every path an action touches goes through SafeJoin, so nothing escapes
// the task workspace; fetch:* reads only from the template's own
// directory or from allowed hosts.
package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/templating"
	"github.com/stackyard/stackyard/scaffolder/validate"
)

// Catalog is what the catalog actions need from the catalog.
type Catalog interface {
	// ByName returns an entity's JSON; a missing entity is errs.ErrNotFound.
	ByName(ctx context.Context, ref model.EntityRef) ([]byte, error)
	// AddLocation registers a url location; with dryRun it only returns
	// the entities the location would emit.
	AddLocation(ctx context.Context, target string, dryRun bool) ([]json.RawMessage, error)
}

// Example is one usage example of an action.
type Example struct {
	Description string `json:"description,omitempty"`
	Example     string `json:"example"`
	Notes       string `json:"notes,omitempty"`
}

// Description is what GET /v2/actions lists for an action.
type Description struct {
	ID             string
	Description    string
	Examples       []Example
	Input          map[string]any
	Output         map[string]any
	SupportsDryRun bool
}

// Action is one scaffolder action.
type Action interface {
	Describe() Description
	Run(ctx context.Context, ac *Context) error
}

// TemplateInfo names the template a task runs.
type TemplateInfo struct {
	EntityRef string
	BaseURL   string
	Entity    map[string]any
}

// User is the user a task runs for.
type User struct {
	Ref    string
	Entity map[string]any
}

// Context is what one action run sees.
type Context struct {
	TaskID       string
	StepID       string
	Input        map[string]any
	Workspace    string
	Secrets      map[string]string
	TemplateInfo TemplateInfo
	User         User
	DryRun       bool
	// Log writes one line to the task log.
	Log func(msg string)

	mu      sync.Mutex
	outputs map[string]any
}

// Logf writes a formatted info line to the task log, with the colour
// prefix Backstage's winston logger gives action output.
func (c *Context) Logf(format string, args ...any) {
	if c.Log != nil {
		c.Log("\u001b[32minfo\u001b[39m: " + fmt.Sprintf(format, args...))
	}
}

// Output sets one output of the step.
func (c *Context) Output(name string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.outputs == nil {
		c.outputs = map[string]any{}
	}
	c.outputs[name] = v
}

// Outputs returns the outputs set so far.
func (c *Context) Outputs() map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]any, len(c.outputs))
	for k, v := range c.outputs {
		out[k] = v
	}
	return out
}

// Options configures the built-in actions.
type Options struct {
	Catalog Catalog
	Engine  *templating.Engine
	// ReadAllow are the hosts fetch:* may read from ("host[:port]" or
	// "*.suffix").
	ReadAllow []string
	// PublishAllow are the hosts publish:git may push to.
	PublishAllow []string
	// PublishRoots are the local directories publish:git may write
	// repositories under; a local target elsewhere is refused.
	PublishRoots []string
	Log          *slog.Logger
}

// Registry holds the actions by id.
type Registry struct {
	actions map[string]Action
	schemas map[string]*validate.Schema
}

// NewRegistry returns a Registry with every built-in action.
func NewRegistry(opts Options) *Registry {
	if opts.Engine == nil {
		opts.Engine = templating.New(templating.Options{})
	}
	r := &Registry{actions: map[string]Action{}, schemas: map[string]*validate.Schema{}}
	reader := &Reader{Allow: opts.ReadAllow}
	for _, a := range []Action{
		debugLog{}, debugWait{},
		fetchPlain{reader: reader}, fetchPlainFile{reader: reader},
		fetchTemplate{reader: reader, engine: opts.Engine}, fetchTemplateFile{reader: reader, engine: opts.Engine},
		fsDelete{}, fsRename{}, fsReaddir{},
		catalogRegister{catalog: opts.Catalog}, catalogWrite{}, catalogFetch{catalog: opts.Catalog},
		publishGit{allow: opts.PublishAllow, roots: opts.PublishRoots},
	} {
		r.Register(a)
	}
	return r
}

// Register adds or replaces an action. It panics on a schema that does not
// compile, which is a programming error.
func (r *Registry) Register(a Action) {
	d := a.Describe()
	r.actions[d.ID] = a
	if d.Input != nil {
		s, err := validate.Compile(d.Input)
		if err != nil {
			panic(fmt.Sprintf("action %s: %v", d.ID, err))
		}
		r.schemas[d.ID] = s
	}
}

// Get returns the action with id.
func (r *Registry) Get(id string) (Action, error) {
	a, ok := r.actions[id]
	if !ok {
		return nil, errs.NotFound("Template action with ID '%s' is not registered. See https://backstage.io/docs/features/software-templates/builtin-actions/ on how to add a new action module.", id)
	}
	return a, nil
}

// List returns every action's description, sorted by id.
func (r *Registry) List() []Description {
	out := make([]Description, 0, len(r.actions))
	for _, a := range r.actions {
		out = append(out, a.Describe())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ValidateInput checks input against the action's schema. label names the
// action in the message, with an each key when there is one.
func (r *Registry) ValidateInput(id, label string, input map[string]any) error {
	s := r.schemas[id]
	if s == nil {
		return nil
	}
	if input == nil {
		input = map[string]any{}
	}
	if fails := s.Validate(input); len(fails) > 0 {
		return errs.Input("Invalid input passed to action %s, %s", label, validate.Summary(fails))
	}
	return nil
}

// Schema builds a draft-07 object schema that rejects unknown keys.
func Schema(props map[string]any, required ...string) map[string]any {
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false,
		"$schema": "http://json-schema.org/draft-07/schema#"}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func prop(typ, desc string) map[string]any {
	p := map[string]any{"description": desc}
	if strings.Contains(typ, ",") {
		p["type"] = strings.Split(typ, ",")
	} else if typ != "" {
		p["type"] = typ
	}
	return p
}

func stringList(desc string) map[string]any {
	return map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": desc}
}

func inputString(in map[string]any, key, def string) string {
	if s, ok := in[key].(string); ok && s != "" {
		return s
	}
	return def
}

func inputBool(in map[string]any, key string) bool {
	b, _ := in[key].(bool)
	return b
}

func inputStrings(in map[string]any, key string) []string {
	list, _ := in[key].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func inputNumber(in map[string]any, key string) float64 {
	switch n := in[key].(type) {
	case float64:
		return n
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case json.Number:
		f, _ := n.Float64()
		return f
	}
	return 0
}
