package verify

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/schemaguard/guard/internal/sqltext"
)

// checkQueries prepares every statement of the queries files against the
// final schema, in the shadow, without executing any: a statement that
// PostgreSQL cannot plan (a missing table or column, a wrong type) is an
// error at its file, line and column.
//
// A file holds one or more statements separated by semicolons; comments,
// such as sqlc's "-- name: GetUser :one", are left as they are. Parameters
// are PostgreSQL's $1, $2, … or sqlc's sqlc.arg(name), sqlc.narg(name),
// sqlc.slice(name) and @name (each name becomes one $n), and
// sqlc.embed(table) becomes table.*.
func (r *run) checkQueries(ctx context.Context) error {
	if len(r.o.queries) == 0 {
		r.skip(CheckQueries, "no queries given")
		return nil
	}
	files, err := r.queryFiles()
	if err != nil {
		return err
	}
	conn := r.sh.Conn().PgConn()
	count := 0
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("verify: read queries: %w", err)
		}
		text := string(b)
		shown := filepath.ToSlash(path)
		for _, st := range sqltext.Split(text) {
			count++
			sent, edits := rewriteParams(st.Text)
			_, err := conn.Prepare(ctx, "", sent, nil)
			if err == nil {
				continue
			}
			var pgErr *pgconn.PgError
			if ctx.Err() != nil || !errors.As(err, &pgErr) {
				return fmt.Errorf("verify: prepare a statement of %s: %w", shown, err)
			}
			off := st.Offset
			if pgErr.Position > 0 {
				off += origOffset(edits, sqltext.ByteOffset(sent, int(pgErr.Position)))
			}
			line, col := sqltext.LineCol(text, off)
			hint := pgErr.Hint
			if pgErr.Code == pgerrcode.UndefinedTable || pgErr.Code == pgerrcode.UndefinedColumn {
				hint = joinHints(hint, "the application expects what the migrations do not create: add a migration, or fix the query")
			}
			r.add(Finding{Check: CheckQueries, Severity: SeverityError, File: shown, Line: line, Column: col,
				Message: pgMessage(pgErr), Hint: hint})
		}
	}
	r.done(CheckQueries, fmt.Sprintf("%s in %s prepared against the final schema", plural(count, "statement"), plural(len(files), "file")))
	return nil
}

// queryFiles lists the files of the queries paths: a file as given, a
// directory's .sql files at any depth, in name order, each file once. A
// directory without any .sql file is a warning.
func (r *run) queryFiles() ([]string, error) {
	var out []string
	for _, p := range r.o.queries {
		st, err := os.Stat(p)
		if err != nil {
			return nil, &OptionError{Option: "WithQueries", Value: p, Reason: "cannot read it: " + pathErr(err)}
		}
		if !st.IsDir() {
			out = append(out, filepath.Clean(p))
			continue
		}
		n := len(out)
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".sql") {
				out = append(out, filepath.Clean(path))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("verify: read queries: %w", err)
		}
		if len(out) == n {
			r.add(Finding{Check: CheckQueries, Severity: SeverityWarning, File: filepath.ToSlash(p),
				Message: "no .sql file in this folder", Hint: "point --queries at the folder holding the application's SQL"})
		}
	}
	var seen []string
	return slices.DeleteFunc(out, func(p string) bool {
		if slices.Contains(seen, p) {
			return true
		}
		seen = append(seen, p)
		return false
	}), nil
}
