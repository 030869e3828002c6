package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/jayaya/jayayacrm"

// importRule says which imports a package of ours may not have.
type importRule struct {
	pkg       string   // package path prefix (relative to the module)
	forbidden []string // import path prefixes; "ours:" prefixes are module-relative
	allowOurs []string // if set, the only packages of ours it may import
	exact     bool     // the rule is for pkg itself, not the packages under it
}

var importRules = []importRule{
	{pkg: "core", forbidden: []string{"net/http", "github.com/slack-go", "github.com/bwmarrin/discordgo", "github.com/go-chi"}, allowOurs: []string{"core", "migrations"}},
	// core/outbox sits under core and imports it; core itself knows
	// nothing of the outbox package, nor of bot.
	{pkg: "core", exact: true, forbidden: []string{"ours:core/outbox"}},
	{pkg: "core/outbox", forbidden: []string{"ours:bot", "ours:adapters", "ours:admin", "ours:cmd"}},
	{pkg: "migrations", allowOurs: []string{"migrations"}},
	{pkg: "bot", forbidden: []string{"github.com/slack-go", "github.com/bwmarrin/discordgo", "github.com/go-chi"}, allowOurs: []string{"bot", "core", "migrations"}},
	{pkg: "adapters/slack", forbidden: []string{"github.com/bwmarrin/discordgo", "ours:adapters/discord", "ours:admin", "ours:cmd"}},
	{pkg: "adapters/discord", forbidden: []string{"github.com/slack-go", "ours:adapters/slack", "ours:admin", "ours:cmd"}},
	{pkg: "admin", forbidden: []string{"ours:bot", "ours:adapters", "ours:cmd", "github.com/slack-go", "github.com/bwmarrin/discordgo"}},
}

func hasPrefixPath(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// violations checks the imports of one package (module-relative dir) against
// the rules and returns what breaks them.
func violations(dir string, imports []string) []string {
	var out []string
	for _, r := range importRules {
		if !hasPrefixPath(dir, r.pkg) || (r.exact && dir != r.pkg) {
			continue
		}
		for _, imp := range imports {
			ours := ""
			if hasPrefixPath(imp, module) {
				ours = strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			}
			for _, f := range r.forbidden {
				if rel, ok := strings.CutPrefix(f, "ours:"); ok {
					if ours != "" && hasPrefixPath(ours, rel) {
						out = append(out, dir+" imports "+imp)
					}
				} else if hasPrefixPath(imp, f) {
					out = append(out, dir+" imports "+imp)
				}
			}
			if r.allowOurs != nil && ours != "" {
				ok := false
				for _, a := range r.allowOurs {
					ok = ok || hasPrefixPath(ours, a)
				}
				if !ok {
					out = append(out, dir+" imports "+imp)
				}
			}
		}
	}
	return out
}

// TestImportDirection keeps the dependency arrows of DESIGN.md pointing one
// way: it reads every non-test Go file of the module.
func TestImportDirection(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	byDir := map[string][]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			byDir[filepath.ToSlash(rel)] = append(byDir[filepath.ToSlash(rel)], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(byDir["core"]) == 0 {
		t.Fatal("found no imports in core: wrong root?")
	}
	for dir, imps := range byDir {
		for _, v := range violations(dir, imps) {
			t.Errorf("forbidden import: %s", v)
		}
	}
}

// TestImportRulesCatchViolations shows the rules above do fire.
func TestImportRulesCatchViolations(t *testing.T) {
	bad := []struct {
		dir string
		imp string
	}{
		{"core", "net/http"},
		{"core", "github.com/slack-go/slack"},
		{"core", module + "/bot"},
		{"core", module + "/admin"},
		{"core", module + "/core/outbox"},
		{"core/outbox", module + "/bot"},
		{"core/outbox", module + "/adapters/slack"},
		{"bot", module + "/adapters/slack"},
		{"bot", "github.com/bwmarrin/discordgo"},
		{"adapters/slack", module + "/adapters/discord"},
		{"adapters/discord/discordtest", module + "/adapters/slack/slacktest"},
		{"admin", module + "/bot"},
	}
	for _, b := range bad {
		if len(violations(b.dir, []string{b.imp})) == 0 {
			t.Errorf("%s importing %s was not caught", b.dir, b.imp)
		}
	}
	good := []struct{ dir, imp string }{
		{"core", module + "/migrations"},
		{"core", "github.com/uptrace/bun"},
		{"bot", module + "/core"},
		{"bot", module + "/core/outbox"},
		{"core/outbox", module + "/core"},
		{"adapters/discord", module + "/core/outbox"},
		{"adapters/slack", module + "/bot"},
		{"admin", module + "/core"},
	}
	for _, g := range good {
		if v := violations(g.dir, []string{g.imp}); len(v) != 0 {
			t.Errorf("allowed import flagged: %v", v)
		}
	}
}
