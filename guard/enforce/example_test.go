package enforce_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/enforce"
)

// Install the contract file's locked tables into the database, then see a
// hand-run DDL statement rejected.
func ExampleInstall() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL")) // a superuser
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close(ctx)
	c, err := contract.Load("guard.contract.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := enforce.Install(ctx, conn, c)
	if err != nil {
		fmt.Println(err) // a *enforce.PrivilegeError for a role that is not a superuser
		return
	}
	fmt.Println("enforced:", res.Enforced)

	_, err = conn.Exec(ctx, `ALTER TABLE users DROP COLUMN email`)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == enforce.SQLState {
		fmt.Println(pgErr.Message, "—", pgErr.Hint)
	}
}

// Compare the contract enforced in the database with the contract file.
func ExampleStatus() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close(ctx)
	c, err := contract.Load("guard.contract.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := enforce.Status(ctx, conn, c)
	if err != nil {
		fmt.Println(err)
		return
	}
	if st.Installed && !st.InSync {
		fmt.Println("the database enforces another contract: run guard contract enforce sync")
	}
}
