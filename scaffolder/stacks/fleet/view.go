package fleet

import (
	"context"
	"runtime"
	"slices"
	"sync"

	"github.com/stackyard/stackyard/scaffolder/stacks/store"
	"github.com/stackyard/stackyard/scaffolder/stacks/upgrade"
)

// The groups of a fleet view, by who has to act.
const (
	GroupUpToDate          = "up-to-date"
	GroupReady             = "ready"
	GroupConflicts         = "conflicts"
	GroupBlockedByOwner    = "blocked-by-owner"
	GroupBlockedByPlatform = "blocked-by-platform"
	// GroupFailed holds stacks that could not be planned, such as one whose
	// repository cannot be read.
	GroupFailed = "failed"
)

// Groups lists the fleet groups in the order a view shows them.
var Groups = []string{GroupUpToDate, GroupReady, GroupConflicts, GroupBlockedByOwner, GroupBlockedByPlatform, GroupFailed}

// Fleet is every stack of a template grouped by what upgrading it to a
// version would take (GET /templates/:name/fleet).
type Fleet struct {
	Template  string                 `json:"template"`
	ToVersion string                 `json:"toVersion"`
	Total     int                    `json:"total"`
	Groups    map[string]*FleetGroup `json:"groups"`
}

// FleetGroup is one group of a fleet view.
type FleetGroup struct {
	Count int `json:"count"`
	// Owners are the distinct owners of the group's stacks, sorted.
	Owners []string     `json:"owners"`
	Stacks []FleetStack `json:"stacks"`
}

// FleetStack is one stack in a fleet view.
type FleetStack struct {
	Stack      string `json:"stack"`
	Owner      string `json:"owner"`
	Version    string `json:"version"`
	Status     string `json:"status"`
	PlanDigest string `json:"planDigest,omitempty"`
	Blockers   int    `json:"blockers,omitempty"`
	Conflicts  int    `json:"conflicts,omitempty"`
	Error      string `json:"error,omitempty"`
}

// Fleet plans every stack of a template to toVersion (empty: the newest)
// and groups them. Reading the fleet is open to every principal; it
// changes nothing.
func (s *Service) Fleet(ctx context.Context, name, toVersion string) (*Fleet, error) {
	e, err := s.entry(name)
	if err != nil {
		return nil, err
	}
	if toVersion == "" {
		toVersion = e.latest.Version
	}
	if _, err := s.Template(ctx, e.latest.Name, toVersion); err != nil {
		return nil, err
	}
	list, err := s.store.List(ctx, storeFilter(templateRef(e.latest.Name)))
	if err != nil {
		return nil, err
	}
	f := &Fleet{Template: templateRef(e.latest.Name), ToVersion: toVersion, Total: len(list), Groups: map[string]*FleetGroup{}}
	for _, g := range Groups {
		f.Groups[g] = &FleetGroup{Owners: []string{}, Stacks: []FleetStack{}}
	}
	plans := s.planAll(ctx, list, toVersion)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, st := range list {
		fs := FleetStack{Stack: st.Ref(), Owner: st.Owner, Version: st.Version}
		group := GroupFailed
		if p := plans[i]; p.err != nil {
			fs.Error = p.err.Error()
		} else {
			group = groupOf(p.plan)
			fs.PlanDigest, fs.Blockers = p.plan.Digest, len(p.plan.Blockers)
			for _, fc := range p.plan.Files {
				fs.Conflicts += fc.Conflicts
			}
		}
		fs.Status = group
		g := f.Groups[group]
		g.Count++
		g.Stacks = append(g.Stacks, fs)
		if !slices.Contains(g.Owners, st.Owner) {
			g.Owners = append(g.Owners, st.Owner)
			slices.Sort(g.Owners)
		}
	}
	return f, nil
}

type planResult struct {
	plan *upgrade.Plan
	err  error
}

// planAll plans every stack on all cores; results are in list order. The
// plans keep only what a fleet view reads, so a big fleet's files and
// diffs do not pile up.
func (s *Service) planAll(ctx context.Context, list []*store.Stack, toVersion string) []planResult {
	out := make([]planResult, len(list))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(list)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				p, err := s.plan(ctx, list[i], toVersion)
				if p != nil {
					p = &upgrade.Plan{Status: p.Status, BlockedBy: p.BlockedBy, Digest: p.Digest, Blockers: p.Blockers, Files: conflictsOnly(p.Files)}
				}
				out[i] = planResult{p, err}
			}
		}()
	}
	for i := range list {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

func conflictsOnly(files []upgrade.FileChange) []upgrade.FileChange {
	var out []upgrade.FileChange
	for _, f := range files {
		if f.Conflicts > 0 {
			out = append(out, upgrade.FileChange{Path: f.Path, Conflicts: f.Conflicts})
		}
	}
	return out
}

func groupOf(p *upgrade.Plan) string {
	switch p.Status {
	case upgrade.StatusUpToDate:
		return GroupUpToDate
	case upgrade.StatusReady:
		return GroupReady
	case upgrade.StatusConflicts:
		return GroupConflicts
	}
	if p.BlockedBy == "platform" {
		return GroupBlockedByPlatform
	}
	return GroupBlockedByOwner
}
