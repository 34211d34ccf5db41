package apicheck

import (
	"fmt"
	"go/types"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

const module = "github.com/schemaguard/guard"

// TestNoInternalTypesInPublicAPI loads every public package of the module
// and checks each exported identifier's type, walking through pointers,
// slices, maps, channels, signatures and the fields of exported structs.
func TestNoInternalTypesInPublicAPI(t *testing.T) {
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedImports | packages.NeedDeps, Dir: "../.."}, "./...")
	if err != nil {
		t.Fatal(err)
	}
	public := 0
	for _, p := range pkgs {
		for _, e := range p.Errors {
			t.Errorf("%s: %v", p.PkgPath, e)
		}
		if internal(p.PkgPath) || strings.HasPrefix(p.PkgPath, module+"/examples") || strings.HasPrefix(p.PkgPath, module+"/cmd") {
			continue
		}
		public++
		scope := p.Types.Scope()
		for _, name := range scope.Names() {
			obj := scope.Lookup(name)
			if !obj.Exported() {
				continue
			}
			where := p.PkgPath + "." + name
			switch o := obj.(type) {
			case *types.TypeName:
				if o.IsAlias() {
					check(t, where, o.Type(), map[types.Type]bool{})
					continue
				}
				named, ok := o.Type().(*types.Named)
				if !ok {
					continue
				}
				check(t, where, named.Underlying(), map[types.Type]bool{})
				for i := range named.NumMethods() {
					if m := named.Method(i); m.Exported() {
						check(t, where+"."+m.Name(), m.Type(), map[types.Type]bool{})
					}
				}
			default:
				check(t, where, obj.Type(), map[types.Type]bool{})
			}
		}
	}
	if public < 8 {
		t.Fatalf("found %d public packages: the loader missed some", public)
	}
}

func internal(path string) bool {
	return strings.HasPrefix(path, module+"/internal/") || strings.Contains(path, "/internal/")
}

// check reports where if typ reaches an internal package's type through
// what a caller outside the module sees.
func check(t *testing.T, where string, typ types.Type, seen map[types.Type]bool) {
	t.Helper()
	for _, p := range problems(where, typ, seen) {
		t.Error(p)
	}
}

func problems(where string, typ types.Type, seen map[types.Type]bool) []string {
	var out []string
	walk(where, typ, seen, &out)
	return out
}

func walk(where string, typ types.Type, seen map[types.Type]bool, out *[]string) {
	if seen[typ] {
		return
	}
	seen[typ] = true
	switch ty := typ.(type) {
	case *types.Alias:
		walk(where, types.Unalias(ty), seen, out)
	case *types.Named:
		if pkg := ty.Obj().Pkg(); pkg != nil && internal(pkg.Path()) {
			*out = append(*out, fmt.Sprintf("%s uses %s.%s, an internal type", where, pkg.Path(), ty.Obj().Name()))
		}
		for i := range ty.TypeArgs().Len() {
			walk(where, ty.TypeArgs().At(i), seen, out)
		}
	case *types.Pointer:
		walk(where, ty.Elem(), seen, out)
	case *types.Slice:
		walk(where, ty.Elem(), seen, out)
	case *types.Array:
		walk(where, ty.Elem(), seen, out)
	case *types.Map:
		walk(where, ty.Key(), seen, out)
		walk(where, ty.Elem(), seen, out)
	case *types.Chan:
		walk(where, ty.Elem(), seen, out)
	case *types.Signature:
		for i := range ty.Params().Len() {
			walk(where, ty.Params().At(i).Type(), seen, out)
		}
		for i := range ty.Results().Len() {
			walk(where, ty.Results().At(i).Type(), seen, out)
		}
	case *types.Struct:
		for i := range ty.NumFields() {
			if f := ty.Field(i); f.Exported() {
				walk(where+"."+f.Name(), f.Type(), seen, out)
			}
		}
	case *types.Interface:
		for i := range ty.NumMethods() {
			if m := ty.Method(i); m.Exported() {
				walk(where+"."+m.Name(), m.Type(), seen, out)
			}
		}
	}
}

// TestCheckSeesInternalTypes makes sure the walk above finds what it looks
// for: migrator.OpenDB returns an internal *DB, and migrator.DB.Run takes
// only public types.
func TestCheckSeesInternalTypes(t *testing.T) {
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedTypes, Dir: "../.."}, module+"/internal/migrator")
	if err != nil || len(pkgs) != 1 || pkgs[0].Types == nil {
		t.Fatalf("load internal/migrator: %v", err)
	}
	open := pkgs[0].Types.Scope().Lookup("OpenDB")
	if got := problems("OpenDB", open.Type(), map[types.Type]bool{}); len(got) == 0 {
		t.Error("OpenDB returns *migrator.DB, but no problem was found")
	}
	db := pkgs[0].Types.Scope().Lookup("DB").Type().(*types.Named)
	for i := range db.NumMethods() {
		if m := db.Method(i); m.Name() == "Run" {
			if got := problems("DB.Run", m.Type(), map[types.Type]bool{}); len(got) != 0 {
				t.Errorf("DB.Run takes only public types, but: %v", got)
			}
		}
	}
}

// TestReadinessLinksNoMigrationEngine: an app that only mounts
// /health/ready must not link golang-migrate (nor guard's adapter).
func TestReadinessLinksNoMigrationEngine(t *testing.T) {
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedImports | packages.NeedDeps, Dir: "../.."},
		module+"/readiness", module+"/readiness/readinesschi")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(p *packages.Package)
	walk = func(p *packages.Package) {
		if seen[p.PkgPath] {
			return
		}
		seen[p.PkgPath] = true
		for _, imp := range p.Imports {
			walk(imp)
		}
	}
	for _, p := range pkgs {
		walk(p)
	}
	if !seen[module+"/guard/source"] {
		t.Fatal("the walk did not reach guard/source, which readiness imports: the loader saw nothing")
	}
	for path := range seen {
		if strings.Contains(path, "golang-migrate") || path == module+"/internal/migrator" {
			t.Errorf("readiness links %s", path)
		}
	}
}
