package contract_test

import (
	"fmt"
	"time"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/schema"
)

// Lock a table, let the live schema drift, and ask what the mode blocks.
func Example() {
	users := schema.Table{Schema: "public", Name: "users", Columns: []schema.Column{
		{Name: "id", Type: "bigint", NotNull: true, Position: 1},
		{Name: "email", Type: "text", NotNull: true, Position: 2},
	}}
	c := contract.New()
	if _, err := c.Lock(&schema.Schema{Tables: []schema.Table{users}}, nil, contract.ModeAuto, time.Now()); err != nil {
		panic(err)
	}

	// A migration renamed email and added a nullable column.
	renamed := users
	renamed.Columns = []schema.Column{
		{Name: "id", Type: "bigint", NotNull: true, Position: 1},
		{Name: "email_address", Type: "text", NotNull: true, Position: 2},
		{Name: "bio", Type: "text", Position: 3},
	}
	report := c.Evaluate(c.Drift(&schema.Schema{Tables: []schema.Table{renamed}}))
	for _, t := range report.Tables {
		for _, it := range t.Items {
			fmt.Printf("%s %s blocked=%v\n", it.Impact, it.Kind, it.Blocked)
		}
	}
	fmt.Println("blocked:", report.Blocked)
	// Output:
	// safe column_added blocked=false
	// breaking column_renamed blocked=true
	// blocked: true
}
