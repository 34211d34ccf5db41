// Package cli is guard's command line: thin cobra commands that parse flags,
// call the library and render its results as text or JSON.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/internal/dburl"
)

// Exit codes. They are part of guard's public contract (see the README).
const (
	ExitOK       = 0 // success, or nothing to do
	ExitError    = 1 // an error
	ExitUsage    = 2 // bad flags or arguments
	ExitBlocked  = 3 // blocked by the contract
	ExitDirty    = 4 // dirty database needs recovery
	ExitNotReady = 5 // not ready, or migrations pending
)

// Run runs guard with args (without the program name) and returns the exit
// code. All output goes to stdout and stderr; nothing is read from the
// process's globals but the environment. golang-migrate's single-dash
// -path, -source and -database are read as --source and --database-url.
//
// With --format json, stdout holds one JSON document even when the command
// fails: the command's own (carrying an "error" member when it failed), or
// else {"error": {"message", "hint", "exit", "sqlstate"}} (see ErrorBody).
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	out := &countingWriter{w: stdout}
	g := &globals{stdin: stdin, stdout: out, stderr: stderr, getenv: os.Getenv}
	root := newRootCmd(g)
	root.SetArgs(golangMigrateFlags(args))
	root.SetIn(stdin)
	root.SetOut(out)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := ExitError
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code // already reported
		}
		err = ee.err
	} else if errors.As(err, new(usageError)) {
		code = ExitUsage
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		err = fmt.Errorf("interrupted: %w", err)
	}
	if g.format == "json" && out.n == 0 {
		_ = g.printer().jsonError(err, code)
	}
	fmt.Fprintln(stderr, g.scrub("guard: "+oneLine(err.Error())))
	if h := hintOf(err); h != "" {
		fmt.Fprintln(stderr, g.scrub("  hint: "+oneLine(h)))
	} else if code == ExitUsage {
		fmt.Fprintln(stderr, "  hint: see guard --help")
	}
	return code
}

// migrateAliases are golang-migrate's flags, single-dash as Go's flag
// package writes them, and guard's names for them.
var migrateAliases = map[string]string{
	"-path": "--source", "--path": "--source", "-source": "--source",
	"-database": "--database-url", "--database": "--database-url",
}

// golangMigrateFlags rewrites golang-migrate's -path, -source and -database
// (`-path DIR` or `-path=DIR`) into guard's --source and --database-url
// before cobra reads them: pflag would read -path as the shorthands -p -a
// -t -h. Arguments after "--" are left alone.
func golangMigrateFlags(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		name, value, hasValue := strings.Cut(a, "=")
		if to, ok := migrateAliases[name]; ok {
			if hasValue {
				a = to + "=" + value
			} else {
				a = to
			}
		}
		out = append(out, a)
	}
	return out
}

// globals are the flags every command shares, and where output goes.
type globals struct {
	databaseURL     string
	source          string
	contractPath    string
	schemas         []string
	shadowURL       string
	migrationsTable string
	format          string

	table source.Table // --migrations-table (or the URL's x-migrations-table), parsed by validate
	// target is the target's connection string without golang-migrate's
	// x-* options, and fromEnv true when the PG* environment alone is the
	// target (see resolveTarget).
	target  string
	fromEnv bool
	src     *source.Source // --source, read once by openSource
	// stmtTimeout is the URL's x-statement-timeout (0: none).
	stmtTimeout time.Duration

	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	passwords []string // seen in URLs, scrubbed from everything printed
}

func newRootCmd(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "guard",
		Short: "Make PostgreSQL schema changes safe to ship",
		Long: `guard wraps golang-migrate: it dry-runs pending migrations in a shadow
database, classifies every schema change against a locked schema contract
(safe / risky / breaking) and refuses what the contract forbids.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return g.validate(cmd)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	f := root.PersistentFlags()
	f.StringVar(&g.databaseURL, "database-url", "", "target database URL or DSN (default $GUARD_DATABASE_URL, then $DATABASE_URL)")
	f.StringVar(&g.source, "source", "file://migrations", "migrations: file://DIR or a directory path")
	f.StringVar(&g.contractPath, "contract", "guard.contract.json", "contract file")
	f.StringArrayVar(&g.schemas, "schema", []string{"public"}, "schema in scope (repeatable)")
	f.StringVar(&g.shadowURL, "shadow-url", "", "server where guard may create shadow databases (default: the target's server, else an ephemeral local cluster)")
	f.StringVar(&g.migrationsTable, "migrations-table", source.DefaultTableName, "golang-migrate's version table (x-migrations-table)")
	f.StringVar(&g.format, "format", "text", "output format: text or json")
	root.AddCommand(newSchemaCmd(g), newContractCmd(g), newDemoCmd(g), newMigrateCmd(g), newCheckCmd(g), newVerifyCmd(g), newServeCmd(g))
	unknownCommands(root)
	usageArgs(root)
	return root
}

// unknownCommands makes cmd and every group of commands below it runnable,
// so that an unknown command (`guard migrate frobnicate`) reaches it as
// arguments and is a usage error (cobra's own "unknown command" error has
// no type to match, and a group without Run prints its help and exits 0).
func unknownCommands(cmd *cobra.Command) {
	if cmd.HasSubCommands() && cmd.Run == nil && cmd.RunE == nil {
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return usageError{&hintError{err: errors.New(msg), hint: "see " + cmd.CommandPath() + " --help"}}
		}
	}
	for _, sub := range cmd.Commands() {
		unknownCommands(sub)
	}
}

// usageArgs makes the argument checks of cmd and its subcommands (cobra's
// ExactArgs and the like) fail with a usage error.
func usageArgs(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return asUsage(err)
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		usageArgs(sub)
	}
}

func (g *globals) validate(cmd *cobra.Command) error {
	switch g.format {
	case "text", "json":
	default:
		return usageError{fmt.Errorf("unknown --format %q (want text or json)", g.format)}
	}
	for _, s := range g.schemas {
		if strings.TrimSpace(s) == "" {
			return usageError{errors.New("--schema must not be empty")}
		}
	}
	t, err := source.ParseTableName(g.migrationsTable)
	if err != nil {
		return usageError{&hintError{err: fmt.Errorf("--migrations-table: %w", err),
			hint: `give a table name of at most 63 bytes, read as x-migrations-table reads it, or "schema"."table" as x-migrations-table-quoted does`}}
	}
	g.table = t
	for _, u := range []string{g.databaseURL, g.shadowURL, g.getenv("GUARD_DATABASE_URL"), g.getenv("DATABASE_URL")} {
		g.rememberPassword(u)
	}
	if pw := g.getenv("PGPASSWORD"); pw != "" {
		g.passwords = append(g.passwords, pw)
	}
	return g.resolveTarget(cmd)
}

// rememberPassword notes the password of a connection string so that it can
// be scrubbed from anything guard prints.
func (g *globals) rememberPassword(connString string) {
	if connString == "" {
		return
	}
	clean, _, err := dburl.Split(connString)
	if err != nil {
		clean = connString
	}
	if cfg, err := dburl.Parse(clean); err == nil && cfg.Password != "" {
		g.passwords = append(g.passwords, cfg.Password)
	}
	if raw := dburl.RawPassword(connString); raw != "" {
		g.passwords = append(g.passwords, raw)
		if un, err := url.PathUnescape(raw); err == nil && un != raw {
			g.passwords = append(g.passwords, un)
		}
	}
}

// scrub removes known passwords from text about to be shown. Passwords
// shorter than four characters are left to the structural redaction of
// URLs and errors: scrubbing them would mangle ordinary words.
func (g *globals) scrub(s string) string {
	for _, p := range g.passwords {
		if len(p) < 4 {
			continue
		}
		s = dburl.Scrub(s, p)
	}
	return s
}

// exitError carries an exit code; a nil err means the command already
// reported what happened.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError is a mistake in the command line: exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// asUsage returns err as a usage error, unless it already is one.
func asUsage(err error) error {
	if errors.As(err, new(usageError)) {
		return err
	}
	return usageError{err}
}

// hintOf returns the advice of the first error in err's tree that has any.
func hintOf(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
