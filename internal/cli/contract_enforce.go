package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/enforce"
	"github.com/schemaguard/guard/internal/dburl"
)

func newContractEnforceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "enforce",
		Short: "Enforce the contract inside PostgreSQL: event triggers reject hand-run DDL the lock mode forbids",
		Long: `guard contract enforce installs the locked contract into the target database
(schema guard_enforce) with event triggers on ddl_command_end and sql_drop
that reject, with SQLSTATE ` + enforce.SQLState + `, DDL run by anyone (psql, another tool)
that the contract's mode forbids on a locked table: in auto mode a column
removed, renamed or retyped, NOT NULL added, a default changed or removed,
a NOT NULL column without default added, the table dropped or renamed; in
strict mode any change. guard migrate up passes its own judged files
through, and syncs the database's copy after applying; guard contract
lock, unlock, promote and mode sync it too. install and remove need a
superuser.`,
	}
	cmd.AddCommand(newContractEnforceInstallCmd(g), newContractEnforceSyncCmd(g), newContractEnforceStatusCmd(g), newContractEnforceRemoveCmd(g))
	return cmd
}

func newContractEnforceInstallCmd(g *globals) *cobra.Command {
	var migrators []string
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Install the contract and its event triggers into the database (needs a superuser)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withContractConn(cmd.Context(), func(c *contract.Contract, conn *pgx.Conn) error {
				res, err := enforce.Install(cmd.Context(), conn, c, enforce.WithMigrators(migrators...))
				if err != nil {
					return err
				}
				p := g.printer()
				if p.json {
					return p.JSON(res)
				}
				p.Printf("Installed contract enforcement in %s (%s mode): event triggers %s, %s\n",
					dburl.Describe(conn.Config()), res.Mode, enforce.TriggerDDLCommandEnd, enforce.TriggerSQLDrop)
				g.renderEnforced(res)
				return nil
			})
		},
	}
	cmd.Flags().StringArrayVar(&migrators, "migrator", nil, "role that runs guard migrate without being a superuser: granted what it needs to pass its migrations and sync (repeatable)")
	return cmd
}

func newContractEnforceSyncCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "sync",
		Short: "Replace the contract enforced in the database with the contract file",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withContractConn(cmd.Context(), func(c *contract.Contract, conn *pgx.Conn) error {
				res, err := enforce.Sync(cmd.Context(), conn, c)
				if err != nil {
					return err
				}
				p := g.printer()
				if p.json {
					return p.JSON(res)
				}
				p.Printf("Synced the contract enforced in %s with %s (%s mode)\n", dburl.Describe(conn.Config()), g.contractPath, res.Mode)
				g.renderEnforced(res)
				return nil
			})
		},
	}
}

func newContractEnforceStatusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the contract enforced in the database, and whether it is the contract file's",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withContractConn(cmd.Context(), func(c *contract.Contract, conn *pgx.Conn) error {
				return g.renderEnforceStatus(cmd.Context(), c, conn)
			})
		},
	}
}

// renderEnforceStatus prints enforce status: the contract enforced in the
// database behind conn, and whether it is c.
func (g *globals) renderEnforceStatus(ctx context.Context, c *contract.Contract, conn *pgx.Conn) error {
	st, err := enforce.Status(ctx, conn, c)
	if err != nil {
		return err
	}
	p := g.printer()
	if p.json {
		return p.JSON(st)
	}
	if !st.Installed {
		p.Printf("Contract enforcement: not installed in %s\n", dburl.Describe(conn.Config()))
	} else {
		sync := p.paint(green, "in sync with "+g.contractPath)
		if !st.InSync {
			sync = p.paint(red, "NOT in sync with "+g.contractPath)
		}
		p.Printf("Contract enforcement in %s: %s mode, %s, %s\n", dburl.Describe(conn.Config()), st.Mode, enforcedCount(st.Tables), sync)
		p.Printf("  fingerprint %s (contract file %s), synced %s\n", short(st.Fingerprint), short(st.ContractFingerprint), st.SyncedAt.UTC().Format("2006-01-02T15:04:05Z"))
		for _, t := range st.EventTriggers {
			state := "enabled"
			if !t.Enabled {
				state = "disabled"
			}
			p.Printf("  event trigger %s on %s: %s\n", t.Name, t.Event, state)
		}
		for _, t := range st.Tables {
			line := fmt.Sprintf("  %-32s %-7s %s", t.Table, t.Mode, plural(t.Columns, "column"))
			if len(t.Unjudged) > 0 {
				line += ", not judged until synced: " + strings.Join(t.Unjudged, ", ")
			}
			p.Printf("%s\n", line)
		}
		if len(st.Missing) > 0 {
			p.Printf("  not enforced (not in the database at the last sync): %s\n", strings.Join(st.Missing, ", "))
		}
	}
	for _, w := range st.Warnings {
		p.Printf("%s %s\n", p.paint(yellow, "warning:"), w)
	}
	return nil
}

func newContractEnforceRemoveCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "remove",
		Short: "Drop the event triggers and guard_enforce from the database (needs a superuser)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			conn, err := g.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer conn.Close(context.WithoutCancel(cmd.Context()))
			res, err := enforce.Remove(cmd.Context(), conn)
			if err != nil {
				return err
			}
			p := g.printer()
			if p.json {
				return p.JSON(res)
			}
			if !res.Removed {
				p.Printf("Contract enforcement: nothing installed in %s\n", dburl.Describe(conn.Config()))
				return nil
			}
			p.Printf("Removed contract enforcement from %s\n", dburl.Describe(conn.Config()))
			return nil
		},
	}
}

// withContractConn loads the contract file, connects to the target and
// runs f.
func (g *globals) withContractConn(ctx context.Context, f func(*contract.Contract, *pgx.Conn) error) error {
	c, err := contract.Load(g.contractPath)
	if err != nil {
		return err
	}
	conn, err := g.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return f(c, conn)
}

func (g *globals) renderEnforced(res *enforce.Result) {
	p := g.printer()
	if len(res.Enforced) == 0 {
		p.Printf("%s no locked table is in the database: nothing is enforced yet\n", p.paint(yellow, "warning:"))
	} else {
		p.Printf("Enforced: %s\n", strings.Join(res.Enforced, ", "))
	}
	if len(res.Missing) > 0 {
		p.Printf("Not in the database (enforced after the migration that creates them, which syncs): %s\n", strings.Join(res.Missing, ", "))
	}
	if len(res.Unjudged) > 0 {
		p.Printf("Held otherwise by the contract (not judged until a migration makes them so): %s\n", strings.Join(res.Unjudged, ", "))
	}
	p.Printf("DDL the contract forbids on these tables now fails with SQLSTATE %s.\n", enforce.SQLState)
}

// enforcedCount says how many tables and views are enforced.
func enforcedCount(ts []enforce.TableStatus) string {
	views := 0
	for _, t := range ts {
		if t.Kind == "view" {
			views++
		}
	}
	if views == 0 {
		return plural(len(ts), "table")
	}
	return plural(len(ts)-views, "table") + ", " + plural(views, "view")
}

func short(fp string) string {
	if len(fp) > 12 {
		return fp[:12]
	}
	return fp
}

// syncEnforced syncs the contract enforced in the target database, when
// installed there, after a command changed the contract file. The file
// is written: a failure is a warning on stderr, not an error. Without a
// target configured it does nothing.
func (g *globals) syncEnforced(ctx context.Context, c *contract.Contract) {
	if _, err := g.connString(); err != nil {
		return
	}
	warn := func(err error) {
		fmt.Fprintln(g.stderr, g.scrub("guard: warning: the contract enforced in the database was not synced: "+oneLine(err.Error())))
		fmt.Fprintln(g.stderr, "  hint: run guard contract enforce sync")
	}
	conn, err := g.connect(ctx)
	if err != nil {
		warn(err)
		return
	}
	defer conn.Close(context.WithoutCancel(ctx))
	res, err := enforce.SyncIfInstalled(ctx, conn, c)
	if err != nil {
		warn(err)
		return
	}
	if res != nil {
		fmt.Fprintf(g.stderr, "Synced the contract enforced in the database (%s)\n", plural(len(res.Enforced), "table"))
	}
}
