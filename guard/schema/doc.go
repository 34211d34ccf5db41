// Package schema is guard's model of a database schema and its introspection
// from the PostgreSQL catalogs.
//
// Inspect reads the tables (with their columns, primary key, unique, foreign
// key and check constraints, and indexes), enums and views of the schemas in
// scope into a Schema. The Schema serialises to canonical JSON (CanonicalJSON)
// and hashes to a stable digest (Hash): both are the same for two databases
// holding the same objects, whatever order they were created in.
//
//	conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
//	if err != nil {
//		return err
//	}
//	defer conn.Close(ctx)
//	s, err := schema.Inspect(ctx, conn,
//		schema.WithSchemas("public", "billing"),
//		schema.WithExcludeTables("public.my_migrations"))
//	if err != nil {
//		return err
//	}
//	for _, t := range s.Tables {
//		fmt.Println(t.QualifiedName(), len(t.Columns), "columns")
//	}
//	fmt.Println("schema hash:", s.Hash())
//
// Inspect reads in one snapshot with a few set-based catalog queries,
// pipelined; on a large database, over two connections sharing the snapshot,
// the way pg_dump -j does (WithParallelism). It reads PostgreSQL 15 and
// later, and refuses an older server (UnsupportedServerError).
//
// What Inspect reports, and leaves out:
//
//   - Ordinary and partitioned tables. A partition is left out: its
//     partitioned parent stands for it, with the parent's columns,
//     constraints and (partitioned) indexes. Foreign tables are left out.
//   - Exclusion constraints (Table.Exclusions) with their index method,
//     their elements as written (a column or an expression, and its
//     operator), their WHERE predicate, the columns they refer to, and
//     their pg_get_constraintdef, "EXCLUDE USING gist (...)". Their index is
//     not reported again among the indexes, nor are the indexes of primary
//     keys and unique constraints. (Earlier releases recorded them among the
//     checks; Table.UpgradeLegacy reads such a snapshot.)
//   - The triggers of each table (Table.Triggers: pg_get_triggerdef, the
//     function, whether enabled), but the internal ones of foreign keys;
//     whether row-level security is enabled and forced, and its policies
//     (command, permissive or restrictive, roles, USING, WITH CHECK); the
//     table privileges granted to roles other than its owner
//     (Table.Grants; the owner's own come with ownership).
//   - Functions, procedures and aggregates (signature, kind, arguments,
//     result, language, volatility, STRICT, SECURITY DEFINER and the sha256
//     of the body; not the body itself), sequences but identity columns'
//     (type, bounds, increment, cycle, the column owning one), and the
//     extensions installed in the database wherever their objects live
//     (name, version, schema), but plpgsql; domains (base type, NOT NULL,
//     default, checks) and composite types made with CREATE TYPE … AS (…).
//   - Objects that belong to an extension (a table, enum or view an
//     extension created, or one added with ALTER EXTENSION ... ADD) are left
//     out; columns of an extension's type (citext, say) are reported.
//   - The migrations table ("schema_migrations" in any schema in scope) and
//     guard's own tables (names starting with "guard_") are always left
//     out; WithExcludeTables leaves out more.
//   - Names outside pg_catalog are written schema-qualified in types,
//     defaults and definitions ("public.mood", "nextval('public.t_id_seq'::regclass)"),
//     the way pg_dump writes them, so that the result does not depend on the
//     connection's search_path.
//   - A schema in scope that does not exist is not an error: it holds
//     nothing yet (a migration may create it).
package schema
