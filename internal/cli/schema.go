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
	p.Printf("Schemas: %s — %d tables, %d views, %d enums, %d functions, %d sequences, %d extensions (hash %s)\n",
		strings.Join(s.Schemas, ", "), len(s.Tables), len(s.Views), len(s.Enums), len(s.Functions), len(s.Sequences), len(s.Extensions), s.Hash()[:12])
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
		for _, tr := range t.Triggers {
			state := ""
			if tr.Enabled != "" {
				state = " (" + tr.Enabled + ")"
			}
			p.Printf("  trigger %s%s\n", tr.Definition, state)
		}
		if t.RowSecurity {
			forced := ""
			if t.ForceRowSecurity {
				forced = ", forced"
			}
			p.Printf("  row level security%s\n", forced)
		}
		for _, pol := range t.Policies {
			kind := "permissive"
			if pol.Restrictive {
				kind = "restrictive"
			}
			p.Printf("  policy %s %s for %s to %s\n", pol.Name, kind, pol.Command, strings.Join(pol.Roles, ", "))
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
	for _, d := range s.Domains {
		var attrs []string
		if d.NotNull {
			attrs = append(attrs, "not null")
		}
		if d.Default != "" {
			attrs = append(attrs, "default "+d.Default)
		}
		for _, c := range d.Checks {
			attrs = append(attrs, c.Expression)
		}
		p.Printf("\n%s %s %s\n", p.paint(bold, "Domain "+schema.Qualify(d.Schema, d.Name)), d.Type, strings.Join(attrs, ", "))
	}
	for _, c := range s.Composites {
		var attrs []string
		for _, a := range c.Attributes {
			attrs = append(attrs, a.Name+" "+a.Type)
		}
		p.Printf("\n%s (%s)\n", p.paint(bold, "Type "+schema.Qualify(c.Schema, c.Name)), strings.Join(attrs, ", "))
	}
	for _, f := range s.Functions {
		result := ""
		if f.Result != "" {
			result = " returns " + f.Result
		}
		p.Printf("\n%s%s (%s, %s)\n", p.paint(bold, strings.ToUpper(f.Kind[:1])+f.Kind[1:]+" "+f.Signature), result, f.Language, f.Volatility)
	}
	for _, q := range s.Sequences {
		owned := ""
		if q.OwnedBy != "" {
			owned = ", owned by " + q.OwnedBy
		}
		p.Printf("\n%s %s from %d by %d, %d..%d%s\n", p.paint(bold, "Sequence "+q.QualifiedName()), q.Type, q.Start, q.Increment, q.Min, q.Max, owned)
	}
	for _, x := range s.Extensions {
		p.Printf("\n%s %s in %s\n", p.paint(bold, "Extension "+x.Name), x.Version, x.Schema)
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])}
	}
	return nil
}
