package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// moduleRoot is the folder holding go.mod, above this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

// sources parses every non-test Go file of the module but this package's.
func sources(t *testing.T) map[string]*ast.File {
	t.Helper()
	root := moduleRoot(t)
	fset := token.NewFileSet()
	out := map[string]*ast.File{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel == filepath.Join("core", "i18n") || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every catalog ID written in the code exists: each string literal of a
// Go source that looks like a message ID of one of the catalog's areas
// (common, core, crm …) — given to T, N, M, core.E, core.InvalidE, a
// usage line, a field label — names a message of the catalog. An ID
// missing from the catalog would show as "[id]".
func TestEveryIDInTheCodeExists(t *testing.T) {
	areas := map[string]bool{}
	for id := range messages(Default) {
		areas[strings.SplitN(id, ".", 2)[0]] = true
	}
	idLike := regexp.MustCompile(`^[a-z]+(\.[a-z0-9_]+)+$`)
	fileName := regexp.MustCompile(`\.(html|go|toml|css|js|png|sql|txt|json|db)$`)
	found := 0
	for name, f := range sources(t) {
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !idLike.MatchString(s) || !areas[strings.SplitN(s, ".", 2)[0]] || fileName.MatchString(s) {
				return true
			}
			found++
			if !Has(s) {
				t.Errorf("%s: %q is not in the catalog", name, s)
			}
			return true
		})
	}
	if found < 100 {
		t.Fatalf("found only %d catalog IDs in the code: the scan is broken", found)
	}
}

// What a person reads comes from the catalog: in core, bot and the chat
// adapters, core.Errorf (an English message shown as it is) is kept for
// internal errors (EINTERNAL), which a person only sees as an apology.
func TestNoEnglishErrorsForPeople(t *testing.T) {
	for name, f := range sources(t) {
		if !slices.ContainsFunc([]string{"core/", "bot/", "adapters/"}, func(p string) bool { return strings.HasPrefix(name, p) }) {
			continue
		}
		inCore := f.Name.Name == "core"
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			isErrorf := false
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				isErrorf = inCore && fn.Name == "Errorf"
			case *ast.SelectorExpr:
				x, ok := fn.X.(*ast.Ident)
				isErrorf = ok && x.Name == "core" && fn.Sel.Name == "Errorf"
			}
			if !isErrorf {
				return true
			}
			code := ""
			switch c := call.Args[0].(type) {
			case *ast.Ident:
				code = c.Name
			case *ast.SelectorExpr:
				code = c.Sel.Name
			}
			if code != "EINTERNAL" {
				t.Errorf("%s: core.Errorf(%s, …) builds an English message for a person: use core.E or core.InvalidE with a catalog ID", name, code)
			}
			return true
		})
	}
}
