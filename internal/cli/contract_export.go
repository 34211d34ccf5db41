package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/export"
)

func newContractExportCmd(g *globals) *cobra.Command {
	var format, pkg, output string
	var names []string
	for _, f := range export.Formats {
		names = append(names, string(f))
	}
	cmd := &cobra.Command{
		Use:   "export --format " + strings.Join(names, "|"),
		Short: "Write the locked tables' shapes from the contract (not the live database): OpenAPI 3.1, JSON Schema, TypeScript or Go",
		Long: `guard contract export writes, from the locked contract file (never the live
database), the shapes of the locked tables: OpenAPI 3.1 component schemas,
JSON Schema 2020-12, TypeScript interfaces or Go structs. The output is the
same bytes for the same contract: commit it beside the code, and guard verify
--generated FILE fails when it is not what the contract produces now.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := export.ParseFormat(format)
			if err != nil {
				return usageError{err}
			}
			if f != export.Go && cmd.Flags().Changed("package") {
				return usageError{errors.New("--package is for --format go")}
			}
			c, err := contract.Load(g.contractPath)
			if err != nil {
				return err
			}
			if len(c.Tables) == 0 {
				return &hintError{err: fmt.Errorf("contract %s locks no table: nothing to export", g.contractPath),
					hint: "lock the tables the app depends on first: guard contract lock"}
			}
			out, err := export.Render(c, f, export.Options{Package: pkg})
			if err != nil {
				return usageError{err}
			}
			if output == "" || output == "-" {
				_, err := g.stdout.Write(out)
				return err
			}
			if err := os.MkdirAll(filepath.Dir(output), 0o755); err != nil {
				return err
			}
			tmp := output + ".tmp"
			if err := os.WriteFile(tmp, out, 0o644); err != nil {
				return err
			}
			if err := os.Rename(tmp, output); err != nil {
				return errors.Join(err, os.Remove(tmp))
			}
			fmt.Fprintf(g.stderr, "Wrote %s (%s, %d locked tables)\n", output, f, len(c.Tables))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "what to write: "+strings.Join(names, ", ")+" (required)")
	cmd.Flags().StringVar(&pkg, "package", "contract", "Go package name (--format go)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (default stdout)")
	_ = cmd.MarkFlagRequired("format")
	return cmd
}
