package admin

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// idShape is the shape of a message ID: an area, then dotted names.
var idShape = regexp.MustCompile(`^[a-z]+(\.[a-z0-9_]+)+$`)

// areas are the catalog's areas, from its files' names (panel.en.toml …).
var areas = func() map[string]bool {
	out := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join("..", "core", "i18n", "locales", "*.toml"))
	for _, f := range files {
		out[strings.SplitN(filepath.Base(f), ".", 2)[0]] = true
	}
	return out
}()

// fileName matches what is a file's name, not a message ID.
var fileName = regexp.MustCompile(`\.(html|go|toml|css|js|png|txt|json)$`)

// isCatalogID reports whether s looks like a message ID of one of the
// catalog's areas (not a file name such as routing.html).
func isCatalogID(s string) bool {
	return idShape.MatchString(s) && areas[strings.SplitN(s, ".", 2)[0]] && !fileName.MatchString(s)
}

// quoted finds the double-quoted strings of a template.
var quoted = regexp.MustCompile(`"([^"\\]*)"`)

// templateIDs returns the catalog IDs a template's text names.
func templateIDs(text string) []string {
	var ids []string
	for _, m := range quoted.FindAllStringSubmatch(text, -1) {
		if isCatalogID(m[1]) {
			ids = append(ids, m[1])
		}
	}
	return ids
}

// goIDs returns the catalog IDs the string literals of a Go file name.
func goIDs(t *testing.T, path string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil && isCatalogID(s) {
				ids = append(ids, s)
			}
		}
		return true
	})
	return ids
}

// usedIDs returns every catalog ID the panel's Go code and templates
// name, with where each is named.
func usedIDs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("templates: %v %v", names, err)
	}
	for _, n := range names {
		b, err := fs.ReadFile(templateFS, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range templateIDs(string(b)) {
			out[id] = n
		}
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		for _, id := range goIDs(t, path) {
			out[id] = path
		}
	}
	return out
}

// Every catalog ID named in admin's Go code and templates exists in the
// catalog (the catalog's own tests make sure each is in every language).
func TestPanelCatalogIDsExist(t *testing.T) {
	used := usedIDs(t)
	// The panel names about two hundred messages; far fewer means the
	// scan above lost its way, and the test below would prove nothing.
	if len(used) < 150 {
		t.Fatalf("found only %d catalog IDs in the panel: %v", len(used), used)
	}
	var missing []string
	for id, where := range used {
		if !i18n.Has(id) {
			missing = append(missing, id+" ("+where+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("not in the catalog: %s", m)
	}
}

// The scan sees IDs wherever a template or Go file names them, and the
// check catches one the catalog lacks.
func TestPanelCatalogIDScan(t *testing.T) {
	for _, area := range []string{"panel", "common", "core", "routing"} {
		if !areas[area] {
			t.Fatalf("area %s not found among the catalog's files: %v", area, areas)
		}
	}
	got := templateIDs(`{{t "panel.nav.users"}} {{n "panel.interest.has" .N "Name" .X}} {{word "role" .Role}} {{t "panel.nav.nope"}} "not.an.id" "routing.html"`)
	want := []string{"panel.nav.users", "panel.interest.has", "panel.nav.nope"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("template IDs %v, want %v", got, want)
	}
	if i18n.Has("panel.nav.nope") || !i18n.Has("panel.nav.users") {
		t.Fatal("i18n.Has does not tell a missing ID from a present one")
	}
	ids := goIDs(t, "language.go")
	for _, id := range []string{"panel.language.unknown", "panel.error.form_unreadable"} {
		if !strings.Contains(strings.Join(ids, " "), id) {
			t.Fatalf("language.go: %s not found among %v", id, ids)
		}
	}
}
