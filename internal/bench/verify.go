package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // pgx5://
	"github.com/golang-migrate/migrate/v4/source/iofs"
)

// benchVerify: `guard verify` (the whole process: hygiene, sum, apply, the
// up → down → up check of every version, the final schema) of histories of
// 50, 100 and 200 migrations against a plain replay of the same files with
// golang-migrate into an empty database. verify applies each version three
// times (up, down, up) and reads the schema twice per version, so the
// target is at most 4× the plain replay.
func benchVerify(ctx context.Context, e *env) error {
	sizes := []int{50, 100, 200}
	if e.quick {
		sizes = []int{20, 40}
	}
	dir, err := os.MkdirTemp("", "guard-bench-verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	type row struct {
		n           int
		guard, base time.Duration
	}
	var rows []row
	for _, n := range sizes {
		hist := filepath.Join(dir, fmt.Sprintf("h%d", n), "migrations")
		if err := writeVerifyHistory(hist, n); err != nil {
			return err
		}
		fmt.Printf("\n   history of %d migrations, each with its down file\n", n)
		base, err := median(3, func() (time.Duration, error) { return plainReplay(ctx, e, hist) })
		if err != nil {
			return err
		}
		got, err := median(3, func() (time.Duration, error) {
			cmd := command(ctx, e.guard, "verify", "--shadow-url", e.admin, "--format", "json")
			cmd.Dir = filepath.Dir(hist) // the project's root: migrations/, no contract
			cmd.Env = append(os.Environ(), "GUARD_DATABASE_URL=", "DATABASE_URL=")
			t := time.Now()
			out, err := cmd.Output()
			if err != nil {
				return 0, fmt.Errorf("guard verify: %v: %s", err, out)
			}
			return time.Since(t), nil
		})
		if err != nil {
			return err
		}
		compare(fmt.Sprintf("guard verify, %d migrations (process, median of 3)", n), got,
			"golang-migrate up of the same files (median of 3)", base, "≤ 4×")
		rows = append(rows, row{n, got, base})
	}
	fmt.Printf("\n   %-12s %14s %14s %8s %16s\n", "migrations", "guard verify", "golang-migrate", "ratio", "verify per file")
	for _, r := range rows {
		fmt.Printf("   %-12d %14s %14s %7.2f× %16s\n", r.n, round(r.guard), round(r.base),
			float64(r.guard)/float64(r.base), round(r.guard/time.Duration(r.n)))
	}
	return nil
}

// plainReplay creates an empty database and times golang-migrate's up
// of the files in dir into it (connection included, database creation not).
func plainReplay(ctx context.Context, e *env, dir string) (time.Duration, error) {
	dbURL, drop, err := e.createDB(ctx, "guard_bench_verify_base")
	if err != nil {
		return 0, err
	}
	defer drop()
	u, err := url.Parse(dbURL)
	if err != nil {
		return 0, err
	}
	u.Scheme = "pgx5"
	t := time.Now()
	src, err := iofs.New(os.DirFS(dir), ".")
	if err != nil {
		return 0, err
	}
	m, err := migrate.NewWithSourceInstance("iofs", src, u.String())
	if err != nil {
		return 0, err
	}
	err = m.Up()
	took := time.Since(t)
	srcErr, dbErr := m.Close()
	if err != nil {
		return 0, fmt.Errorf("golang-migrate up: %w", err)
	}
	if srcErr != nil || dbErr != nil {
		return 0, fmt.Errorf("golang-migrate close: %v, %v", srcErr, dbErr)
	}
	return took, nil
}

// writeVerifyHistory writes n migrations, each with a down file that undoes
// it, the way a long-lived project's history looks: a table (with a foreign
// key to the previous one and an index) every other version, and in
// between a column with a default, a check constraint or an enum type.
func writeVerifyHistory(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(i int, title, up, down string) error {
		base := filepath.Join(dir, fmt.Sprintf("%06d_%s", i, title))
		if err := os.WriteFile(base+".up.sql", []byte(up), 0o644); err != nil {
			return err
		}
		return os.WriteFile(base+".down.sql", []byte(down), 0o644)
	}
	table := 0
	for i := 1; i <= n; i++ {
		var err error
		switch {
		case i%2 == 1:
			table++
			fk := ""
			if table > 1 {
				fk = fmt.Sprintf(",\n    parent_id bigint REFERENCES t%d (id)", table-1)
			}
			err = write(i, fmt.Sprintf("create_t%d", table),
				fmt.Sprintf("CREATE TABLE t%d (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    name text NOT NULL,\n    created_at timestamptz NOT NULL DEFAULT now()%s\n);\nCREATE INDEX t%d_name ON t%d (name);\n", table, fk, table, table),
				fmt.Sprintf("DROP TABLE t%d;\n", table))
		case i%6 == 2:
			err = write(i, fmt.Sprintf("add_t%d_status", table),
				fmt.Sprintf("ALTER TABLE t%d ADD COLUMN status text NOT NULL DEFAULT 'new';\n", table),
				fmt.Sprintf("ALTER TABLE t%d DROP COLUMN status;\n", table))
		case i%6 == 4:
			err = write(i, fmt.Sprintf("check_t%d_name", table),
				fmt.Sprintf("ALTER TABLE t%d ADD CONSTRAINT t%d_name_len CHECK (length(name) < 200);\n", table, table),
				fmt.Sprintf("ALTER TABLE t%d DROP CONSTRAINT t%d_name_len;\n", table, table))
		default:
			err = write(i, fmt.Sprintf("enum_t%d_kind", table),
				fmt.Sprintf("CREATE TYPE t%d_kind AS ENUM ('a', 'b');\nALTER TABLE t%d ADD COLUMN kind t%d_kind;\n", table, table, table),
				fmt.Sprintf("ALTER TABLE t%d DROP COLUMN kind;\nDROP TYPE t%d_kind;\n", table, table))
		}
		if err != nil {
			return err
		}
	}
	return nil
}
