package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/schemaguard/guard/guard/schema"
)

func newSchemaCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Inspect database schemas",
	}
	var from string
	inspect := &cobra.Command{
		Use:   "inspect",
		Short: "Print the schema model of the database (or of the migrations) as text or canonical JSON",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.schemaFrom(cmd.Context(), from)
			if err != nil {
				return err
			}
			p := g.printer()
			if p.json {
				// Streamed: a large schema is never held as one document.
				return s.WriteCanonicalJSON(p.w)
			}
			printSchema(p, s)
			return nil
		},
	}
	inspect.Flags().StringVar(&from, "from", "db", "what to inspect: db (the target database) or migrations (the schema they build, in a shadow database)")
	cmd.AddCommand(inspect)
	return cmd
}

// schemaFrom returns the live schema of the target ("db") or the schema the
// migrations build in a shadow database ("migrations").
func (g *globals) schemaFrom(ctx context.Context, from string) (*schema.Schema, error) {
	switch from {
	case "db":
		conn, err := g.connect(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close(context.WithoutCancel(ctx))
		return schema.Inspect(ctx, conn, g.inspectOptions()...)
	case "migrations":
		return g.migrationsSchema(ctx)
	}
	return nil, usageError{fmt.Errorf("unknown --from %q (want db or migrations)", from)}
}

func printSchema(p *printer, s *schema.Schema) {
	p.Printf("Schemas: %s — %d tables, %d views, %d enums (hash %s)\n",
		strings.Join(s.Schemas, ", "), len(s.Tables), len(s.Views), len(s.Enums), s.Hash()[:12])
	for _, t := range s.Tables {
		p.Printf("\n%s\n", p.paint(bold, "Table "+t.QualifiedName()))
		for _, c := range t.Columns {
			var attrs []string
			if c.NotNull {
				attrs = append(attrs, "not null")
			}
			if c.Default != "" {
				attrs = append(attrs, "default "+c.Default)
			}
			if c.Identity != "" {
				attrs = append(attrs, "identity "+c.Identity)
			}
			if c.Generated != "" {
				attrs = append(attrs, "generated as "+c.Generated)
			}
			if c.Collation != "" {
				attrs = append(attrs, "collate "+c.Collation)
			}
			p.Printf("  %-24s %-28s %s\n", schema.QuoteIdent(c.Name), c.Type, strings.Join(attrs, ", "))
		}
		if t.PrimaryKey != nil {
			p.Printf("  primary key (%s)\n", strings.Join(t.PrimaryKey.Columns, ", "))
		}
		for _, u := range t.Uniques {
			p.Printf("  unique %s (%s)\n", u.Name, strings.Join(u.Columns, ", "))
		}
		for _, fk := range t.ForeignKeys {
			p.Printf("  foreign key %s (%s) → %s (%s) on delete %s\n", fk.Name, strings.Join(fk.Columns, ", "),
				schema.Qualify(fk.ReferencedSchema, fk.ReferencedTable), strings.Join(fk.ReferencedColumns, ", "), strings.ToLower(fk.OnDelete))
		}
		for _, c := range t.Checks {
			p.Printf("  check %s %s\n", c.Name, c.Expression)
		}
		for _, x := range t.Exclusions {
			p.Printf("  exclusion %s %s\n", x.Name, x.Definition)
		}
		for _, i := range t.Indexes {
			p.Printf("  index %s\n", i.Definition)
		}
	}
	for _, e := range s.Enums {
		p.Printf("\n%s (%s)\n", p.paint(bold, "Enum "+e.QualifiedName()), strings.Join(e.Values, ", "))
	}
	for _, v := range s.Views {
		var cols []string
		for _, c := range v.Columns {
			cols = append(cols, c.Name+" "+c.Type)
		}
		kind := "View"
		if v.Materialized {
			kind = "Materialized view"
		}
		p.Printf("\n%s (%s)\n", p.paint(bold, kind+" "+v.QualifiedName()), strings.Join(cols, ", "))
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])}
	}
	return nil
}
