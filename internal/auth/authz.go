package auth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
)

// Permission names. The catalog and scaffolder ones are Backstage's
// (plugin-catalog-common, plugin-scaffolder-common); Backstage folds a
// location update into catalog.location.create, Stackyard names it.
const (
	EntityDelete   = "catalog.entity.delete"
	EntityRefresh  = "catalog.entity.refresh"
	LocationCreate = "catalog.location.create"
	LocationUpdate = "catalog.location.update"
	LocationDelete = "catalog.location.delete"
	TaskCreate     = "scaffolder.task.create"
	TaskRead       = "scaffolder.task.read"
	TaskCancel     = "scaffolder.task.cancel"
	// TaskRetry is Stackyard's name for a retry, which Backstage checks
	// as scaffolder.task.create plus scaffolder.task.read.
	TaskRetry = "scaffolder.task.retry"
	// StackPlan plans a stack's upgrade (stacks plugin); it needs the
	// stack's ownership, as the upgrade itself will.
	StackPlan = "stacks.stack.plan"
	// StackLaunch records a stack's launch; the task create before it
	// checked membership of the stack's owner.
	StackLaunch = "stacks.stack.launch"
	// StackUpgrade upgrades a stack; it needs the stack's ownership.
	StackUpgrade = "stacks.stack.upgrade"
	// StackRollback undoes a stack's last upgrade; it needs the stack's
	// ownership.
	StackRollback = "stacks.stack.rollback"
	// StackRollout rolls a template version out to its stacks; it needs
	// the template's ownership (the platform team) or an admin group.
	StackRollout = "stacks.template.rollout"
)

// Rule says who may apply a permission to a target. Admins always may.
type Rule struct {
	Permission string
	// Target names what is acted on: an entity ref, location id or task id.
	Target string
	// Open lets every authenticated principal through.
	Open bool
	// Owners lists, for each thing the action touches, the refs that own
	// it: the principal must hold one ref of every set. No set at all
	// leaves the action to admins (and Subjects).
	Owners [][]string
	// Subjects may act whatever they own, such as a task's creator.
	Subjects []string
}

// AllOwners returns the distinct refs of every owner set.
func (r Rule) AllOwners() []string {
	var out []string
	for _, set := range r.Owners {
		for _, o := range set {
			if !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}

// Decide returns nil when p may act by r, or a NotAllowed error naming
// the permission and the ref that was missing. A nil principal is an
// internal call and is allowed.
func Decide(p *Principal, r Rule) error {
	if p == nil || p.Admin || r.Open {
		return nil
	}
	for _, s := range r.Subjects {
		if s != "" && strings.EqualFold(s, p.Subject) {
			return nil
		}
	}
	if len(r.Owners) == 0 {
		return errs.NotAllowed("%s is not allowed for %s on %s: missing an admin group (auth.admins)", r.Permission, p.Subject, r.Target)
	}
	for _, set := range r.Owners {
		if !p.HoldsAny(set) {
			return errs.NotAllowed("%s is not allowed for %s on %s: missing %s (an owner), or an admin group", r.Permission, p.Subject, r.Target, missing(set))
		}
	}
	return nil
}

func missing(set []string) string {
	switch len(set) {
	case 0:
		return "an owner (it has none)"
	case 1:
		return set[0]
	}
	return fmt.Sprintf("one of %s", strings.Join(set, ", "))
}
