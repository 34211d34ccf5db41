package cli

import (
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/internal/sumfile"
)

// hashResult is guard migrate hash's JSON output.
type hashResult struct {
	Path  string `json:"path"`  // the sum file written
	Files int    `json:"files"` // migration files recorded
	Total string `json:"total"` // the chained total
}

func newMigrateHashCmd(g *globals) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "hash",
		Short: "Write guard.sum in the migrations folder: the sha256 of every migration file and their chained total (checked by guard verify)",
		Long: `guard migrate hash records every migration file as it is now in the sum
file (guard.sum in the migrations folder). Commit it: guard verify then fails
when a recorded file is edited or removed, or a new file is numbered below
the newest recorded version. Run it again when you mean to accept the files
as they are; the sum file's diff shows reviewers what changed.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := g.sourceDir()
			if err != nil {
				return err
			}
			f, err := sumfile.Hash(dir, name)
			if err != nil {
				return err
			}
			res := hashResult{Path: filepath.Join(dir, nameOrDefault(name)), Files: len(f.Entries), Total: f.Total}
			p := g.printer()
			if p.json {
				return p.JSON(res)
			}
			p.Printf("Wrote %s: %s, total %s\n", res.Path, plural(res.Files, "file"), res.Total[:12])
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "sum-file", sumfile.DefaultName, "the sum file's name in the migrations folder")
	return cmd
}

func nameOrDefault(name string) string {
	if name == "" {
		return sumfile.DefaultName
	}
	return name
}
