package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/export"
	"github.com/schemaguard/guard/guard/shadow"
	"github.com/schemaguard/guard/guard/source"
	"github.com/schemaguard/guard/verify"
)

func newVerifyCmd(g *globals) *cobra.Command {
	var queries []string
	var requireDown bool
	var sumFile string
	var generated []string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Prove the migration history in a throwaway database (for CI); exit 1 when a check fails, 3 when the contract blocks",
		Long: `guard verify replays the migration history in a fresh shadow database and
fails, naming the file and line, on anything that would hurt in production:

  hygiene   file names golang-migrate would skip, duplicate versions, version gaps
            (warning), CREATE INDEX CONCURRENTLY & co. in a file with other statements
  sum       released files edited, removed or out of order (against guard.sum,
            written by guard migrate hash); no guard.sum is a warning
  apply     every migration applies in order from an empty database
  down      up, down, up again for each version: down must restore the schema;
            a missing down file is a warning (an error with --require-down)
  contract  the final schema against the contract file (when it exists)
  queries   every statement of --queries files is prepared against the final schema

Without --shadow-url (or a database URL whose user may create databases),
the shadow lives on an ephemeral local PostgreSQL: no database service needed.

--format github writes GitHub Actions annotations (::error file=…,line=…::…),
shown on the pull request's files. Exit 0 passed (warnings allowed), 1 a
check failed, 3 only the contract blocks.`,
		Args: noArgs,
		// --format github is verify's alone: accept it here, where the
		// root's validation (text or json) would refuse it.
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			format := g.format
			switch format {
			case "text", "json":
			case "github":
				g.format = "text"
			default:
				return usageError{fmt.Errorf("unknown --format %q (want text, json or github)", format)}
			}
			err := g.validate(cmd)
			g.format = format
			return err
		},
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			ctx := cmd.Context()
			dir, err := g.sourceDir()
			if err != nil {
				return err
			}
			if _, err := os.Stat(dir); err != nil {
				return &hintError{err: fmt.Errorf("verify: migrations folder %s: %w", dir, errors.Unwrap(err)),
					hint: "run guard verify from the project's root, or pass --source file://DIR"}
			}
			if err := checkGenerated(g, generated); err != nil {
				return err
			}
			// The files golang-migrate would get wrong are set aside, to be
			// reported as findings rather than refused.
			src, err := verify.LoadSource(os.DirFS(dir), ".", dir)
			if err != nil {
				return err
			}
			opts := []verify.Option{verify.WithSourceDir(dir), verify.WithSchemas(g.schemas...)}
			if sumFile != "" {
				opts = append(opts, verify.WithSumFile(sumFile))
			}
			if _, err := os.Stat(g.contractPath); err == nil || cmd.Flags().Changed("contract") {
				opts = append(opts, verify.WithContract(g.contractPath))
			}
			if len(queries) > 0 {
				opts = append(opts, verify.WithQueries(queries...))
			}
			if requireDown {
				opts = append(opts, verify.WithRequireDown())
			}
			sopts, err := g.shadowOptions()
			if err != nil {
				return err
			}
			if len(sopts) > 0 {
				p, err := shadow.NewProvider(ctx, append(sopts, shadow.WithTemplateCache(false))...)
				if err != nil {
					return err
				}
				defer func() { err = errors.Join(err, p.Close(ctx)) }()
				opts = append(opts, verify.WithShadowProvider(p))
			}
			rep, err := verify.Run(ctx, src, opts...)
			if err != nil {
				return err
			}
			p := g.printer()
			var out bytes.Buffer
			switch g.format {
			case "json":
				if err := p.JSON(rep); err != nil {
					return err
				}
			case "github":
				if err := rep.WriteGitHub(&out); err != nil {
					return err
				}
			default:
				if err := rep.WriteText(&out); err != nil {
					return err
				}
			}
			p.Printf("%s", out.String())
			switch rep.Status {
			case verify.StatusFailed:
				return &exitError{code: ExitError}
			case verify.StatusBlocked:
				return &exitError{code: ExitBlocked}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&queries, "queries", nil, "application SQL to prepare against the final schema: a .sql file or a folder of them, e.g. sqlc's queries (repeatable)")
	f.BoolVar(&requireDown, "require-down", false, "a migration without a down file is an error, not a warning")
	f.StringVar(&sumFile, "sum-file", verify.DefaultSumFile, "the sum file's name in the migrations folder")
	f.StringArrayVar(&generated, "generated", nil, "a file guard contract export wrote, committed with the code: fail (exit 1) when it is not what the contract produces now (repeatable)")
	return cmd
}

// checkGenerated fails, naming the file and its first line that differs,
// when a file guard contract export wrote is not what the contract file
// produces now: a pull request that changes the contract must carry the
// regenerated files.
func checkGenerated(g *globals, files []string) error {
	if len(files) == 0 {
		return nil
	}
	c, err := contract.Load(g.contractPath)
	if err != nil {
		return err
	}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return usageError{fmt.Errorf("--generated %s: %w", f, errors.Unwrap(err))}
		}
		if err := export.Check(c, f, body); err != nil {
			var me *export.MismatchError
			if errors.As(err, &me) {
				return &hintError{err: fmt.Errorf("%s:%d: not what the contract %s produces (--format %s): %s", f, me.Line, g.contractPath, me.Format, quoteLine(me.Got)), hint: me.Hint()}
			}
			return err
		}
	}
	return nil
}

// quoteLine shows a line of a file in an error: quoted, cut when long.
func quoteLine(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// sourceDir returns the migrations folder --source names (file://DIR or a
// path), for the commands that need a folder on disk.
func (g *globals) sourceDir() (string, error) {
	if strings.TrimSpace(g.source) == "" {
		return "", usageError{errors.New("--source must not be empty")}
	}
	dir, err := source.Dir(g.source)
	if err != nil {
		return "", usageError{fmt.Errorf("--source %s: want file://DIR or a directory path", g.source)}
	}
	return filepath.Clean(dir), nil
}
