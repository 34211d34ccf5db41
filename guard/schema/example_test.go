package schema_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/schema"
)

// Inspect the schemas an application uses, leaving out a custom migrations
// table (golang-migrate's x-migrations-table), and print a summary and the
// schema's hash.
func ExampleInspect() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	s, err := schema.Inspect(ctx, conn,
		schema.WithSchemas("public", "billing"),
		schema.WithExcludeTables("billing.migrations"))
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range s.Tables {
		fmt.Printf("%s: %d columns, %d indexes\n", t.QualifiedName(), len(t.Columns), len(t.Indexes))
	}
	for _, e := range s.Enums {
		fmt.Println(e.QualifiedName(), e.Values)
	}
	fmt.Println("hash:", s.Hash())
}
