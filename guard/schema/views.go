package schema

import "fmt"

// enumRow is a row of enums.sql.
type enumRow struct {
	Schema string   `db:"schema"`
	Name   string   `db:"name"`
	Labels []string `db:"labels"`
}

func readEnums(ers []*enumRow) []Enum {
	enums := make([]Enum, len(ers))
	for i, er := range ers {
		enums[i] = Enum{Schema: er.Schema, Name: er.Name, Values: er.Labels}
	}
	return enums
}

// viewRow is a row of views.sql.
type viewRow struct {
	Schema       string   `db:"schema"`
	Name         string   `db:"name"`
	Materialized bool     `db:"materialized"`
	ColumnNames  []string `db:"column_names"`
	ColumnTypes  []string `db:"column_types"`
	Definition   string   `db:"definition"`
	CheckOption  string   `db:"check_option"`
}

func readViews(vrs []*viewRow) ([]View, error) {
	views := make([]View, len(vrs))
	for i, vr := range vrs {
		if len(vr.ColumnTypes) != len(vr.ColumnNames) {
			return nil, fmt.Errorf("view %s: column arrays of unequal length", Qualify(vr.Schema, vr.Name))
		}
		cols := make([]ViewColumn, len(vr.ColumnNames))
		for j := range cols {
			cols[j] = ViewColumn{Name: vr.ColumnNames[j], Type: vr.ColumnTypes[j]}
		}
		views[i] = View{Schema: vr.Schema, Name: vr.Name, Materialized: vr.Materialized, Columns: cols, Definition: vr.Definition, CheckOption: vr.CheckOption}
	}
	return views, nil
}
