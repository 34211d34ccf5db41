package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/guard/contract"
)

func newContractCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contract",
		Short: "Lock, inspect and promote the schema contract",
		Long: `The contract (guard.contract.json) is the locked snapshot of the tables your
consumers depend on. Commit it next to your migrations: accepting a breaking
change is then a reviewed diff in a pull request.`,
	}
	cmd.AddCommand(newContractLockCmd(g), newContractUnlockCmd(g), newContractModeCmd(g),
		newContractShowCmd(g), newContractDiffCmd(g), newContractPromoteCmd(g), newContractExportCmd(g))
	cmd.AddCommand(newContractEnforceCmd(g))
	return cmd
}

func newContractLockCmd(g *globals) *cobra.Command {
	var tables []string
	var mode, from string
	cmd := &cobra.Command{
		Use:   "lock",
		Short: "Lock tables (all tables and views in scope when none is named) with their current shape",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var m contract.Mode
			if mode != "" {
				var err error
				if m, err = contract.ParseMode(mode); err != nil {
					return usageError{err}
				}
				if m == contract.ModeNone {
					return usageError{errors.New("lock --mode must be auto or strict (use guard contract unlock or guard contract mode none to stop protecting)")}
				}
			}
			c, err := contract.Load(g.contractPath)
			if err != nil {
				return err
			}
			live, err := g.schemaFrom(cmd.Context(), from)
			if err != nil {
				return err
			}
			res, err := c.Lock(live, tables, m, now())
			if err != nil {
				return err
			}
			notice := c.Upgrade()
			if err := c.Save(g.contractPath); err != nil {
				return err
			}
			g.syncEnforced(cmd.Context(), c)
			if notice != "" {
				fmt.Fprintf(g.stderr, "guard: %s: %s\n", g.contractPath, notice)
			}
			p := g.printer()
			if p.json {
				return p.JSON(res)
			}
			if len(res.Locked) > 0 {
				p.Printf("Locked %s in %s mode: %s\n", plural(len(res.Locked), "table"), res.Mode, strings.Join(res.Locked, ", "))
			}
			if len(res.LockedViews) > 0 {
				p.Printf("Locked %s: %s\n", plural(len(res.LockedViews), "view"), strings.Join(res.LockedViews, ", "))
			}
			if already := append(res.AlreadyLocked, res.AlreadyLockedViews...); len(already) > 0 {
				p.Printf("Already locked (snapshot kept; use guard contract promote to accept changes): %s\n", strings.Join(already, ", "))
			}
			if len(res.Locked)+len(res.AlreadyLocked)+len(res.LockedViews)+len(res.AlreadyLockedViews) == 0 {
				p.Printf("No tables in scope to lock.\n")
			}
			p.Printf("Contract written to %s\n", g.contractPath)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&tables, "table", nil, "table to lock (repeatable; default all tables in scope)")
	cmd.Flags().StringVar(&mode, "mode", "", "lock mode: auto or strict (for the contract, or for the named tables); default auto when the contract has none")
	cmd.Flags().StringVar(&from, "from", "db", "snapshot source: db or migrations")
	return cmd
}

func newContractUnlockCmd(g *globals) *cobra.Command {
	var tables []string
	cmd := &cobra.Command{
		Use:   "unlock",
		Short: "Unlock tables (all when none is named)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := contract.Load(g.contractPath)
			if err != nil {
				return err
			}
			var views []string // of what unlock names, the views
			for _, lv := range c.Views {
				views = append(views, lv.View)
			}
			unlocked, err := c.Unlock(tables)
			if err != nil {
				return err
			}
			if err := c.Save(g.contractPath); err != nil {
				return err
			}
			g.syncEnforced(cmd.Context(), c)
			p := g.printer()
			if p.json {
				return p.JSON(map[string]any{"unlocked": unlocked, "mode": c.Mode})
			}
			if len(unlocked) == 0 {
				p.Printf("Nothing was locked.\n")
				return nil
			}
			p.tablesAndViews("Unlocked", unlocked, func(n string) bool { return slices.Contains(views, n) })
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&tables, "table", nil, "table or view to unlock (repeatable; default all)")
	return cmd
}

func newContractModeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "mode none|auto|strict",
		Short: "Set the contract's lock mode",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("contract mode takes one argument: none, auto or strict")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := contract.ParseMode(args[0])
			if err != nil {
				return usageError{err}
			}
			c, err := contract.Load(g.contractPath)
			if err != nil {
				return err
			}
			old := c.Mode
			c.SetMode(m)
			if err := c.Save(g.contractPath); err != nil {
				return err
			}
			g.syncEnforced(cmd.Context(), c)
			p := g.printer()
			if p.json {
				return p.JSON(map[string]any{"mode": m, "previous": old})
			}
			p.Printf("Contract mode: %s (was %s)\n", m, old)
			return nil
		},
	}
}

func newContractShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Show the contract: its mode and locked tables",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := contract.Load(g.contractPath)
			if err != nil {
				return err
			}
			p := g.printer()
			if p.json {
				return p.JSON(c)
			}
			p.Printf("Contract %s: mode %s, %s locked\n", g.contractPath, c.Mode, plural(len(c.Tables), "table"))
			for _, lt := range c.Tables {
				mode := string(c.EffectiveMode(&lt))
				if lt.Mode != "" {
					mode += " (table override)"
				}
				when := "locked " + lt.LockedAt.Format(time.RFC3339)
				if lt.PromotedAt != nil {
					when += ", promoted " + lt.PromotedAt.Format(time.RFC3339)
				}
				p.Printf("  %-32s %-22s %s, %s\n", lt.Table, mode, plural(len(lt.Snapshot.Columns), "column"), when)
			}
			for _, lv := range c.Views {
				p.Printf("  %-32s %-22s %s, locked %s\n", lv.View, "view", plural(len(lv.Snapshot.Columns), "column"), lv.LockedAt.Format(time.RFC3339))
			}
			return nil
		},
	}
}

func newContractDiffCmd(g *globals) *cobra.Command {
	var tables []string
	var from string
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Compare the locked tables with the database (or the migrations); exit 3 when the mode would block a change",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := contract.Load(g.contractPath)
			if err != nil {
				return err
			}
			var keep []string
			for _, t := range tables {
				name, err := c.Resolve(t)
				if err != nil {
					return err
				}
				keep = append(keep, name)
			}
			live, err := g.schemaFrom(cmd.Context(), from)
			if err != nil {
				return err
			}
			report := c.Evaluate(c.Drift(live))
			if len(keep) > 0 {
				report = report.Filter(keep)
			}
			p := g.printer()
			if p.json {
				if err := p.JSON(report); err != nil {
					return err
				}
			} else {
				p.Printf("Contract mode: %s, %s locked\n", c.Mode, plural(len(c.Tables), "table"))
				p.report(report, "")
				p.Printf("\n%s\n", summary(report))
				if report.Blocked {
					p.Printf("Blocked: the contract forbids these changes. Accept them with guard contract promote --table T, or change the migration.\n")
				}
			}
			if report.Blocked {
				return &exitError{code: ExitBlocked}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&tables, "table", nil, "only this locked table or view (repeatable)")
	cmd.Flags().StringVar(&from, "from", "db", "compare with: db or migrations")
	return cmd
}

func newContractPromoteCmd(g *globals) *cobra.Command {
	var tables []string
	var all bool
	var from string
	cmd := &cobra.Command{
		Use:   "promote (--table T... | --all)",
		Short: "Accept the current shape of locked tables into the contract",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if all == (len(tables) > 0) {
				return usageError{errors.New("promote needs --table T (repeatable) or --all, not both")}
			}
			c, err := contract.Load(g.contractPath)
			if err != nil {
				return err
			}
			for _, t := range tables {
				if _, err := c.Resolve(t); err != nil {
					return err
				}
			}
			live, err := g.schemaFrom(cmd.Context(), from)
			if err != nil {
				return err
			}
			res, err := c.Promote(live, tables, now())
			if err != nil {
				return err
			}
			if err := c.Save(g.contractPath); err != nil {
				return err
			}
			g.syncEnforced(cmd.Context(), c)
			p := g.printer()
			if p.json {
				return p.JSON(res)
			}
			p.tablesAndViews("Promoted", res.Promoted, func(n string) bool { return c.LockedView(n) != nil })
			if len(res.Removed) > 0 {
				p.Printf("Removed from the contract (no longer in the schema): %s\n", strings.Join(res.Removed, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&tables, "table", nil, "locked table or view to promote (repeatable)")
	cmd.Flags().BoolVar(&all, "all", false, "promote every locked table")
	cmd.Flags().StringVar(&from, "from", "db", "take the new shape from: db or migrations")
	return cmd
}

// tablesAndViews prints what verb did to names, the tables on one line and
// the views (isView) on another.
func (p *printer) tablesAndViews(verb string, names []string, isView func(string) bool) {
	var ts, vs []string
	for _, n := range names {
		if isView(n) {
			vs = append(vs, n)
		} else {
			ts = append(ts, n)
		}
	}
	if len(ts) > 0 {
		p.Printf("%s %s: %s\n", verb, plural(len(ts), "table"), strings.Join(ts, ", "))
	}
	if len(vs) > 0 {
		p.Printf("%s %s: %s\n", verb, plural(len(vs), "view"), strings.Join(vs, ", "))
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// now is the time recorded in the contract, to the second.
func now() time.Time { return time.Now().UTC().Truncate(time.Second) }
