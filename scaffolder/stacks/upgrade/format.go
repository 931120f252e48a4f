package upgrade

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteText prints the plan for people: the summary, the value changes,
// one line per file, the blockers with their fields' origins, then the
// diffs. `stackyard template diff` prints this.
func (p *Plan) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s %s -> %s for stack %s (owner %s): %s", p.Template, p.From, p.To, p.Stack, p.Owner, p.Status)
	if p.BlockedBy != "" {
		fmt.Fprintf(bw, " by %s", p.BlockedBy)
	}
	fmt.Fprintf(bw, "\ndigest %s\n", p.Digest)
	p.writeValues(bw)
	if len(p.Files) > 0 {
		fmt.Fprintf(bw, "\nfiles\n")
		for _, f := range p.Files {
			fmt.Fprintf(bw, "  %-9s %-8s %s", f.Change, f.Merge, f.Path)
			if f.Note != "" {
				fmt.Fprintf(bw, "  (%s)", f.Note)
			}
			fmt.Fprintln(bw)
		}
	}
	p.writeBlockers(bw)
	for _, f := range p.Files {
		if f.Diff != "" {
			fmt.Fprintf(bw, "\n%s", f.Diff)
		}
	}
	return bw.Flush()
}

// writeValues prints migrations, dropped values and value changes.
func (p *Plan) writeValues(w io.Writer) {
	v := p.Values
	if len(v.Migrations)+len(v.Dropped)+len(v.Changes) == 0 {
		return
	}
	fmt.Fprintf(w, "\nvalues\n")
	for _, m := range v.Migrations {
		fmt.Fprintf(w, "  migration from %s: %s\n", m.From, m.Note)
	}
	if len(v.Dropped) > 0 {
		fmt.Fprintf(w, "  dropped (not parameters of %s): %s\n", p.To, strings.Join(v.Dropped, ", "))
	}
	for _, c := range v.Changes {
		fmt.Fprintf(w, "  %s: %s -> %s  (%s: %s)\n", c.Field, show(c.From), show(c.To), c.Origin, c.Detail)
	}
}

// writeBlockers prints each blocker and the origins of its fields.
func (p *Plan) writeBlockers(w io.Writer) {
	if len(p.Blockers) == 0 {
		return
	}
	fmt.Fprintf(w, "\nblockers\n")
	for _, b := range p.Blockers {
		fmt.Fprintf(w, "  %s on %s: %s\n", b.Guardrail, b.On, b.Message)
		fmt.Fprintf(w, "    responsible: %s, contact %s\n", b.Responsible, b.Contact)
		for _, f := range b.Fields {
			fmt.Fprintf(w, "    %s = %s: %s (%s)\n", f.Field, show(f.Value), f.Origin, f.Detail)
		}
	}
}
