package diff_test

import (
	"fmt"

	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
)

func ExampleSchemas() {
	before := &schema.Schema{Tables: []schema.Table{{
		Schema: "public", Name: "users",
		Columns: []schema.Column{
			{Name: "id", Type: "bigint", NotNull: true, Identity: "always", Position: 1},
			{Name: "email", Type: "text", NotNull: true, Position: 2},
			{Name: "name", Type: "character varying(20)", Position: 3},
		},
	}}}
	after := &schema.Schema{Tables: []schema.Table{{
		Schema: "public", Name: "users",
		Columns: []schema.Column{
			{Name: "id", Type: "bigint", NotNull: true, Identity: "always", Position: 1},
			{Name: "email_address", Type: "text", NotNull: true, Position: 2},
			{Name: "name", Type: "character varying(40)", Position: 3},
			{Name: "bio", Type: "text", Position: 4},
		},
	}}}

	changes := diff.Schemas(before, after)
	for _, c := range changes {
		fmt.Println(c)
	}
	fmt.Println("worst:", diff.Worst(changes))
	fmt.Println("hint:", changes[1].Hint)
	// Output:
	// safe column_added: column "bio" was added
	// breaking column_renamed: column "email" was renamed to "email_address" (probable)
	// risky column_type_changed: column "name" changed type from character varying(20) to character varying(40) (widening)
	// worst: breaking
	// hint: expand/contract: add "email_address", keep both in sync with a trigger, move readers and writers to it, drop "email" in a later release
}
