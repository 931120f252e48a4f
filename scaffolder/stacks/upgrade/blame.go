package upgrade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"

	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/stacks"
)

// Origin says where the value of a field comes from.
type Origin string

// The origins of a value.
const (
	// OriginOwnerValue: the owner gave the value (possibly renamed by a migration).
	OriginOwnerValue Origin = "owner-value"
	// OriginOwnerEdit: the owner edited the value in the stack repository.
	OriginOwnerEdit Origin = "owner-edit"
	// OriginTemplateDefault: the template's default, the same in both versions.
	OriginTemplateDefault Origin = "template-default"
	// OriginTemplateChange: the target version changed it: a new or changed
	// default, a new parameter, or a value a migration set.
	OriginTemplateChange Origin = "template-change"
)

// Who acts on a blocker.
const (
	ResponsibleOwner    = "owner"
	ResponsiblePlatform = "platform"
)

// Where a blocker fails.
const (
	OnValues     = "values"
	OnRepository = "repository"
	OnBoth       = "values and repository"
)

// Blocker is a guardrail, or a parameter constraint, that fails after the
// upgrade.
type Blocker struct {
	// Guardrail is the guardrail's id, or "parameters" for a constraint.
	Guardrail string `json:"guardrail"`
	Message   string `json:"message"`
	// On says whether it fails on the migrated values, on the repository
	// after the merge (values with the owner's edits), or on both.
	On string `json:"on"`
	// Responsible is "owner" or "platform": the platform when the
	// upgrade's own changes break the rule or the template fails on its
	// defaults, the owner when their values or edits do (see the package
	// doc, # Blame).
	Responsible string `json:"responsible"`
	// Contact is the entity ref to contact: the stack's owner or the
	// template's owner.
	Contact string        `json:"contact"`
	Fields  []FieldOrigin `json:"fields"`
}

// FieldOrigin is one field a blocker names, with its value and origin.
type FieldOrigin struct {
	Field  string `json:"field"`
	Value  any    `json:"value"`
	Origin Origin `json:"origin"`
	Detail string `json:"detail"`
	// File is the repository file of an owner-edit.
	File string `json:"file,omitempty"`
}

func (f FieldOrigin) byOwner() bool {
	return f.Origin == OriginOwnerValue || f.Origin == OriginOwnerEdit
}

// origin blames one field, given the owner's repository edits.
func (p *planner) origin(field string, edits map[string]repoEdit) FieldOrigin {
	if e, ok := edits[field]; ok {
		return FieldOrigin{Field: field, Value: e.value, Origin: OriginOwnerEdit, File: e.file,
			Detail: fmt.Sprintf("%s is %s in %s; the template renders %s", e.path, show(e.value), e.file, show(e.rendered))}
	}
	f := FieldOrigin{Field: field, Value: p.resolved(field)}
	if v, ok := p.given[field]; ok {
		f.Origin, f.Detail = p.givenOrigin(field, v)
		return f
	}
	tp, ok := p.in.Target.Param(field)
	if !ok {
		f.Origin, f.Detail = OriginTemplateDefault, "computed by the template"
		return f
	}
	bp, inBase := p.in.Base.Param(field)
	to := p.in.Target.Version
	switch {
	case !inBase:
		f.Origin, f.Detail = OriginTemplateChange, fmt.Sprintf("new in %s, defaults to %s", to, show(tp.Default))
	case !bp.HasDefault:
		f.Origin, f.Detail = OriginTemplateChange, fmt.Sprintf("defaults to %s since %s", show(tp.Default), to)
	case !equal(bp.Default, tp.Default):
		f.Origin, f.Detail = OriginTemplateChange, fmt.Sprintf("the default changed from %s to %s in %s", show(bp.Default), show(tp.Default), to)
	default:
		f.Origin, f.Detail = OriginTemplateDefault, "the template's default"
	}
	return f
}

// givenOrigin blames a value the stack gives after migrations.
func (p *planner) givenOrigin(field string, v any) (Origin, string) {
	if sv, ok := p.stored[field]; ok && equal(sv, v) {
		return OriginOwnerValue, "given by the owner"
	}
	keys := make([]string, 0, len(p.stored))
	for k := range p.stored {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, still := p.given[k]; !still && equal(p.stored[k], v) {
			return OriginOwnerValue, fmt.Sprintf("given by the owner as %s; a migration renamed it", k)
		}
	}
	return OriginTemplateChange, "set by a migration to " + p.in.Target.Version
}

// resolved is a field's value in the target render, or what it would be.
func (p *planner) resolved(field string) any {
	if p.theirs != nil {
		return p.theirs.Resolved[field]
	}
	if v, ok := p.given[field]; ok {
		return v
	}
	tp, _ := p.in.Target.Param(field)
	return tp.Default
}

// blocker builds a blocker and decides who is responsible for it.
func (p *planner) blocker(ctx context.Context, id, msg, on string, fields []string, edits map[string]repoEdit) Blocker {
	b := Blocker{Guardrail: id, Message: msg, On: on, Fields: make([]FieldOrigin, 0, len(fields))}
	for _, f := range fields {
		b.Fields = append(b.Fields, p.origin(f, edits))
	}
	b.Responsible = p.responsible(ctx, id, b.Fields, edits)
	b.Contact = p.in.Target.Owner
	if b.Responsible == ResponsibleOwner {
		b.Contact = p.out.Owner
	}
	return b
}

// responsible decides who acts on a blocker, by asking what would make the
// guardrail hold:
//
//  1. the platform, when putting the fields this upgrade changed (a new
//     default, a migration) back to their values in the base version
//     makes it hold: the upgrade breaks a stack that worked;
//  2. the owner, when putting the fields the owner set (values, edits in
//     the repository) back to the template's defaults makes it hold: the
//     owner's configuration is what breaks the rule;
//  3. the platform otherwise: the template fails on its own defaults.
//
// Required values (name, owner) are never reset.
func (p *planner) responsible(ctx context.Context, id string, fields []FieldOrigin, edits map[string]repoEdit) string {
	changed, owned := p.withEdits(edits), p.withEdits(edits)
	var anyChanged, anyOwned bool
	for _, f := range fields {
		tp, ok := p.in.Target.Param(f.Field)
		if !ok || tp.Required {
			continue
		}
		if before, inBase := p.base.Resolved[f.Field]; f.Origin == OriginTemplateChange && inBase {
			changed[f.Field], anyChanged = before, true
		}
		if f.byOwner() {
			delete(owned, f.Field)
			anyOwned = true
		}
	}
	if anyChanged && p.holds(ctx, id, changed) {
		return ResponsiblePlatform
	}
	if anyOwned && p.holds(ctx, id, owned) {
		return ResponsibleOwner
	}
	return ResponsiblePlatform
}

// holds reports whether guardrail id holds on vals; for a parameter
// constraint, whether the values pass the parameters.
func (p *planner) holds(ctx context.Context, id string, vals map[string]any) bool {
	gs, err := p.in.Target.Guardrails(ctx, vals)
	if err != nil {
		return false
	}
	if id == constraintID {
		return true
	}
	for _, g := range gs {
		if g.ID == id {
			return g.OK
		}
	}
	return false
}

// constraintID names blockers that come from parameter constraints.
const constraintID = "parameters"

// constraintBlockers turns values that break the target's parameter
// constraints into blockers.
func (p *planner) constraintBlockers(ctx context.Context, fe []errs.FieldError, on string, edits map[string]repoEdit) []Blocker {
	out := make([]Blocker, 0, len(fe))
	for _, f := range fe {
		out = append(out, p.blocker(ctx, constraintID, f.Path+": "+f.Message, on, []string{f.Path}, edits))
	}
	return out
}

// guardrailBlockers evaluates the guardrails on the migrated values and on
// the values with the owner's repository edits, and blames each failure.
func (p *planner) guardrailBlockers(ctx context.Context) ([]Blocker, error) {
	edits := p.repoEdits()
	repo := map[string]stacks.Guardrail{}
	var out []Blocker
	if len(edits) > 0 {
		gs, err := p.in.Target.Guardrails(ctx, p.withEdits(edits))
		var ve *errs.ValidationError
		switch {
		case errors.As(err, &ve):
			out = append(out, p.constraintBlockers(ctx, ve.Fields, OnRepository, edits)...)
		case err != nil:
			return nil, fmt.Errorf("plan: evaluate guardrails on the repository: %w", err)
		}
		for _, g := range gs {
			if !g.OK {
				repo[g.ID] = g
			}
		}
	}
	for _, g := range p.theirs.Guardrails {
		r, inRepo := repo[g.ID]
		switch {
		case !g.OK && inRepo:
			out = append(out, p.blocker(ctx, g.ID, r.Message, OnBoth, r.Fields, edits))
		case inRepo:
			out = append(out, p.blocker(ctx, g.ID, r.Message, OnRepository, r.Fields, edits))
		case !g.OK:
			out = append(out, p.blocker(ctx, g.ID, g.Message, OnValues, g.Fields, nil))
		}
	}
	return out, nil
}

// withEdits returns the given values with the owner's edits on top.
func (p *planner) withEdits(edits map[string]repoEdit) map[string]any {
	vals := make(map[string]any, len(p.given)+len(edits))
	for k, v := range p.given {
		vals[k] = v
	}
	for k, e := range edits {
		vals[k] = e.value
	}
	return vals
}

// valueChanges lists the parameters whose resolved value changes, in the
// target's order, then the ones the target dropped. A dropped parameter
// whose value a new one took over through a migration is listed once, as
// a rename.
func (p *planner) valueChanges() []ValueChange {
	var gone []string
	for k := range p.base.Resolved {
		if _, ok := p.theirs.Resolved[k]; !ok {
			gone = append(gone, k)
		}
	}
	sort.Strings(gone)
	renamed := map[string]bool{}
	var out []ValueChange
	for _, prm := range p.in.Target.Params() {
		before, had := p.base.Resolved[prm.Name]
		after := p.theirs.Resolved[prm.Name]
		if had && equal(before, after) {
			continue
		}
		o := p.origin(prm.Name, nil)
		c := ValueChange{Field: prm.Name, From: before, To: after, Origin: o.Origin, Detail: o.Detail}
		if old := p.renamedFrom(after, gone, renamed); !had && old != "" {
			renamed[old] = true
			c.From = p.base.Resolved[old]
			switch {
			case o.Origin == OriginOwnerValue:
			case equal(c.From, c.To):
				continue // a default under a new name changes nothing
			default:
				c.Detail = "renamed from " + old + " by a migration; " + o.Detail
			}
		}
		out = append(out, c)
	}
	for _, k := range gone {
		if !renamed[k] {
			out = append(out, ValueChange{Field: k, From: p.base.Resolved[k], Origin: OriginTemplateChange,
				Detail: "not a parameter of " + p.in.Target.Version})
		}
	}
	return out
}

// renamedFrom finds the dropped parameter a migration renamed into one
// with value v: the first, by name, with the same value.
func (p *planner) renamedFrom(v any, gone []string, taken map[string]bool) string {
	if len(p.out.Values.Migrations) == 0 {
		return ""
	}
	for _, k := range gone {
		if !taken[k] && equal(p.base.Resolved[k], v) {
			return k
		}
	}
	return ""
}

// equal compares JSON values.
func equal(a, b any) bool { return reflect.DeepEqual(a, b) }

// show prints a JSON value for people.
func show(v any) string {
	if v == nil {
		return "nothing"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
