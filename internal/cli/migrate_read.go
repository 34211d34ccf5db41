package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/guard"
)

// newMigrateVersionCmd is golang-migrate's `migrate version`: the version,
// "(dirty)" when dirty.
func newMigrateVersionCmd(g *globals, mf *migrateFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the database's migration version, as golang-migrate's `migrate version` does (none when no migration is applied)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p := g.printer()
			r, err := mf.runner(cmd, g, p)
			if err != nil {
				return err
			}
			v, err := r.Version(cmd.Context())
			if err != nil {
				return err
			}
			if p.json {
				return p.JSON(v)
			}
			if v.Dirty {
				p.Printf("%s (dirty)\n", v.Version)
			} else {
				p.Printf("%s\n", v.Version)
			}
			return nil
		},
	}
}

// newMigrateHistoryCmd lists guard's history table.
func newMigrateHistoryCmd(g *globals, mf *migrateFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "history",
		Short: "List the migrations guard applied, reverted or forced here, oldest first (version, name, sha256, applied at, by, duration)",
		Long: `guard migrate history lists guard's history table (guard_history, beside the
version table): one row per migration file guard ran, up or down, and per
forced version, oldest first. Versions applied by plain golang-migrate have
no row. It only reads: no lock, no shadow, and nothing is created.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p := g.printer()
			r, err := mf.runner(cmd, g, p)
			if err != nil {
				return err
			}
			h, err := r.History(cmd.Context())
			if err != nil {
				return err
			}
			if p.json {
				return p.JSON(h)
			}
			p.history(h)
			return nil
		},
	}
}

// history renders guard's history as a table.
func (p *printer) history(h *guard.History) {
	if len(h.Entries) == 0 {
		p.Printf("No history in %s: guard has applied nothing to %s (for %s).\n", h.Table, h.Database, h.MigrationsTable)
		return
	}
	p.Printf("History of %s (%s, for %s): %s\n", h.Database, h.Table, h.MigrationsTable, plural(len(h.Entries), "row"))
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tDIRECTION\tNAME\tAPPLIED AT\tBY\tDURATION\tSHA256")
	for _, e := range h.Entries {
		name, sum := e.Name, e.SHA256
		if name == "" {
			name = "-"
		}
		if sum == "" {
			sum = "-"
		}
		if e.Recovered {
			sum += " (recovered)"
		}
		by := e.AppliedBy
		if e.ClientHost != "" {
			by += "@" + e.ClientHost
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Version, e.Direction, name, e.AppliedAt.UTC().Format(time.RFC3339),
			by, durText(time.Duration(e.DurationMS*float64(time.Millisecond))), sum)
	}
	_ = w.Flush()
	p.Printf("%s", b.String())
}
