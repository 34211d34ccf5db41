package schema

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// constraintRow is a row of constraints.sql.
type constraintRow struct {
	TableOID          uint32  `db:"table_oid"`
	Name              string  `db:"name"`
	Kind              string  `db:"kind"`
	Attnums           []int16 `db:"attnums"`
	ReferencedOID     uint32  `db:"referenced_oid"`
	ReferencedAttnums []int16 `db:"referenced_attnums"`
	OnDelete          string  `db:"on_delete"`
	OnUpdate          string  `db:"on_update"`
	Definition        string  `db:"definition"`
	Deferrable        string  `db:"deferrable"`
	Match             string  `db:"match"`
	NullsNotDistinct  bool    `db:"nulls_not_distinct"`
	// Of an exclusion constraint (see constraints.sql):
	ExclusionMethod    string   `db:"exclusion_method"`
	ExclusionElements  []string `db:"exclusion_elements"`
	ExclusionOperators []string `db:"exclusion_operators"`
	ExclusionWhere     string   `db:"exclusion_where"`
	ExclusionAttnums   []int16  `db:"exclusion_attnums"`
}

// fkActions spells out the letters of pg_constraint.confdeltype and
// confupdtype.
var fkActions = map[string]string{
	"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT",
}

// fkMatch spells out pg_constraint.confmatchtype; MATCH SIMPLE, the
// default, is the zero value.
var fkMatch = map[string]string{"s": "", "f": "full", "p": "partial"}

// pendingFK is a foreign key whose referenced table and columns are not known
// yet: it references a table tableReader did not read.
type pendingFK struct {
	table, fk         int // indexes in Schema.Tables and Table.ForeignKeys
	referencedOID     uint32
	referencedAttnums []int16
}

func readConstraints(crs []*constraintRow, s *Schema, tabs tableIndex) ([]pendingFK, error) {
	var pending []pendingFK
	for _, cr := range crs {
		e, ok := tabs[cr.TableOID]
		if !ok || e.index < 0 {
			continue // a table left out
		}
		t := &s.Tables[e.index]
		if cr.Kind == "x" {
			x, err := exclusion(cr, e)
			if err != nil {
				return nil, fmt.Errorf("constraint %s on %s: %w", QuoteIdent(cr.Name), t.QualifiedName(), err)
			}
			t.Exclusions = append(t.Exclusions, x)
			continue
		}
		cols, ok := e.columnNames(cr.Attnums)
		if !ok {
			return nil, fmt.Errorf("constraint %s on %s: key column not found", QuoteIdent(cr.Name), t.QualifiedName())
		}
		switch cr.Kind {
		case "p":
			t.PrimaryKey = &PrimaryKey{Name: cr.Name, Columns: cols}
		case "u":
			t.Uniques = append(t.Uniques, Unique{Name: cr.Name, Columns: cols, NullsNotDistinct: cr.NullsNotDistinct, Deferrable: cr.Deferrable})
		case "f":
			var refSchema, refTable string
			var refCols []string
			if re, ok := tabs[cr.ReferencedOID]; ok {
				if refCols, ok = re.columnNames(cr.ReferencedAttnums); !ok {
					return nil, fmt.Errorf("constraint %s on %s: referenced column not found", QuoteIdent(cr.Name), t.QualifiedName())
				}
				refSchema, refTable = re.schema, re.name
			} else {
				pending = append(pending, pendingFK{
					table: e.index, fk: len(t.ForeignKeys),
					referencedOID: cr.ReferencedOID, referencedAttnums: cr.ReferencedAttnums,
				})
			}
			t.ForeignKeys = append(t.ForeignKeys, ForeignKey{
				Name:              cr.Name,
				Columns:           cols,
				ReferencedSchema:  refSchema,
				ReferencedTable:   refTable,
				ReferencedColumns: refCols,
				OnDelete:          fkActions[cr.OnDelete],
				OnUpdate:          fkActions[cr.OnUpdate],
				Deferrable:        cr.Deferrable,
				Match:             fkMatch[cr.Match],
			})
		case "c":
			t.Checks = append(t.Checks, Check{Name: cr.Name, Expression: cr.Definition})
		}
	}
	return pending, nil
}

// exclusion maps the row of an exclusion constraint: its key (conkey)
// holds the attnum of each element, 0 for an expression.
func exclusion(cr *constraintRow, e *tableEntry) (Exclusion, error) {
	n := len(cr.Attnums)
	if len(cr.ExclusionElements) != n || len(cr.ExclusionOperators) != n {
		return Exclusion{}, fmt.Errorf("%d key columns, %d elements and %d operators", n, len(cr.ExclusionElements), len(cr.ExclusionOperators))
	}
	cols, ok := e.columnNames(cr.ExclusionAttnums)
	if !ok {
		return Exclusion{}, errors.New("referenced column not found")
	}
	x := Exclusion{
		Name: cr.Name, Method: cr.ExclusionMethod, Where: cr.ExclusionWhere,
		Elements: make([]ExclusionElement, n), Columns: cols, Definition: cr.Definition,
	}
	for k, attnum := range cr.Attnums {
		el := &x.Elements[k]
		el.Operator = cr.ExclusionOperators[k]
		if attnum == 0 {
			el.Expression = cr.ExclusionElements[k]
			continue
		}
		name, ok := e.columnNames([]int16{attnum})
		if !ok {
			return Exclusion{}, errors.New("key column not found")
		}
		el.Column = name[0]
	}
	return x, nil
}

// resolveForeignKeys fills in the referenced table and columns of the
// pending foreign keys, with one more query.
func resolveForeignKeys(ctx context.Context, conn Querier, s *Schema, pending []pendingFK) error {
	if len(pending) == 0 {
		return nil
	}
	oids := make([]uint32, 0, len(pending))
	for _, p := range pending {
		oids = append(oids, p.referencedOID)
	}
	slices.Sort(oids)
	others, err := readColumnNames(ctx, conn, slices.Compact(oids))
	if err != nil {
		return err
	}
	for _, p := range pending {
		t := &s.Tables[p.table]
		fk := &t.ForeignKeys[p.fk]
		re, ok := others[p.referencedOID]
		var cols []string
		if ok {
			cols, ok = re.columnNames(p.referencedAttnums)
		}
		if !ok {
			return fmt.Errorf("constraint %s on %s: referenced column not found", QuoteIdent(fk.Name), t.QualifiedName())
		}
		fk.ReferencedSchema, fk.ReferencedTable, fk.ReferencedColumns = re.schema, re.name, cols
	}
	return nil
}

// columnRow is a row of columns.sql.
type columnRow struct {
	TableOID  uint32 `db:"table_oid"`
	Schema    string `db:"schema"`
	TableName string `db:"table_name"`
	Attnum    int16  `db:"attnum"`
	Name      string `db:"name"`
}

// readColumnNames reads the names of the given tables and their columns.
func readColumnNames(ctx context.Context, conn Querier, oids []uint32) (tableIndex, error) {
	rows, err := conn.Query(ctx, columnsQuery, oids)
	if err != nil {
		return nil, err
	}
	crs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[columnRow])
	if err != nil {
		return nil, err
	}
	tabs := make(tableIndex, len(oids))
	for _, cr := range crs { // ordered by table, then attnum
		e := tabs[cr.TableOID]
		if e == nil {
			e = &tableEntry{index: -1, schema: cr.Schema, name: cr.TableName}
			tabs[cr.TableOID] = e
		}
		e.attnums = append(e.attnums, cr.Attnum)
		e.names = append(e.names, cr.Name)
	}
	return tabs, nil
}
