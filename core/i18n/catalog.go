package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

//go:embed locales/*.toml
var files embed.FS

// Args are a message's named parameters: {{.Name}} in the catalog reads
// Args{"Name": …}. A value of type Msg is itself translated, in the same
// language, before it is put in; a time.Time is written as DateTime
// writes it, in its own time zone.
type Args map[string]any

// Msg is a message ID with its parameters, to be translated later: a
// field label inside an error message, a status inside a sentence.
// Plural marks a message with plural forms, whose count is Args["Count"].
type Msg struct {
	ID     string
	Args   Args
	Plural bool
}

// M returns the Msg of id with args.
func M(id string, args ...Args) Msg { return Msg{ID: id, Args: merge(args)} }

// MN returns the Msg of id, a message with plural forms, for count (see
// Printer.N).
func MN(id string, count int, args ...Args) Msg {
	a := Args{}
	for k, v := range merge(args) {
		a[k] = v
	}
	a["Count"] = count
	return Msg{ID: id, Args: a, Plural: true}
}

type catalog struct {
	bundle *goi18n.Bundle
	// ids holds, per locale, every message ID with its raw texts (one per
	// plural form), for the tests and Has.
	ids        map[Locale]map[string][]string
	localizers map[Locale]*goi18n.Localizer
	// plain holds, per locale, the messages that are a fixed text (no
	// parameter, no plural forms): T returns them without go-i18n.
	plain map[Locale]map[string]string
}

var (
	loadOnce sync.Once
	loaded   *catalog
	loadErr  error
)

// cat returns the catalog, loading the embedded files once. A broken
// file is a programming error caught by the package's tests, so it panics.
func cat() *catalog {
	loadOnce.Do(func() { loaded, loadErr = load(files) })
	if loadErr != nil {
		panic("i18n: " + loadErr.Error())
	}
	return loaded
}

func load(fsys fs.FS) (*catalog, error) {
	c := &catalog{
		bundle:     goi18n.NewBundle(Default.Tag()),
		ids:        map[Locale]map[string][]string{},
		localizers: map[Locale]*goi18n.Localizer{},
		plain:      map[Locale]map[string]string{},
	}
	c.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(fsys, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		mf, err := c.bundle.ParseMessageFileBytes(b, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		l, ok := Parse(mf.Tag.String())
		if !ok {
			return nil, fmt.Errorf("%s: unsupported language %q", name, mf.Tag)
		}
		if c.ids[l] == nil {
			c.ids[l] = map[string][]string{}
			c.plain[l] = map[string]string{}
		}
		for _, m := range mf.Messages {
			if _, dup := c.ids[l][m.ID]; dup {
				return nil, fmt.Errorf("%s: message %q defined twice for %s", path.Base(name), m.ID, l)
			}
			var forms []string
			for _, f := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
				if f != "" {
					forms = append(forms, f)
				}
			}
			c.ids[l][m.ID] = forms
			if len(forms) == 1 && m.Other != "" && !strings.Contains(m.Other, "{{") {
				c.plain[l][m.ID] = m.Other
			}
		}
	}
	for _, l := range Locales() {
		c.localizers[l] = goi18n.NewLocalizer(c.bundle, string(l))
	}
	return c, nil
}

// Has reports whether id is in the catalog (in the default language).
func Has(id string) bool {
	_, ok := cat().ids[Default][id]
	return ok
}

// Printer speaks one language: it translates messages and formats dates
// for one person or one channel.
type Printer struct {
	loc Locale
}

// For returns the Printer of l; an unsupported l speaks Default.
func For(l Locale) Printer {
	if _, ok := Parse(string(l)); !ok {
		l = Default
	}
	return Printer{loc: l}
}

// Locale returns the Printer's language.
func (p Printer) Locale() Locale {
	if p.loc == "" {
		return Default
	}
	return p.loc
}

// T returns message id in the Printer's language with args put in. A
// message missing from that language comes in the default one; an ID
// missing from the catalog altogether (a programming error the tests
// catch) comes back as "[id]" rather than as nothing.
func (p Printer) T(id string, args ...Args) string {
	return p.localize(id, nil, merge(args))
}

// N is T for a message with plural forms: count chooses the form (by the
// language's CLDR rules) and is also given as {{.Count}}.
func (p Printer) N(id string, count int, args ...Args) string {
	a := merge(args)
	if a == nil {
		a = Args{}
	}
	a["Count"] = count
	return p.localize(id, count, a)
}

// Msg translates m.
func (p Printer) Msg(m Msg) string {
	if n, ok := m.Args["Count"].(int); ok && m.Plural {
		return p.N(m.ID, n, m.Args)
	}
	return p.T(m.ID, m.Args)
}

func (p Printer) localize(id string, count any, args Args) string {
	c := cat()
	if count == nil && len(args) == 0 {
		if s, ok := c.plain[p.Locale()][id]; ok {
			return s
		}
	}
	data := make(map[string]any, len(args))
	for k, v := range args {
		switch a := v.(type) {
		case Msg:
			v = p.Msg(a)
		case time.Time:
			v = p.DateTime(a) // in a's time zone: convert it first
		}
		data[k] = v
	}
	out, err := c.localizers[p.Locale()].Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if out == "" && err != nil {
		return "[" + id + "]"
	}
	return out
}

// T translates id into l (see Printer.T).
func T(l Locale, id string, args ...Args) string { return For(l).T(id, args...) }

func merge(args []Args) Args {
	switch len(args) {
	case 0:
		return nil
	case 1:
		return args[0]
	}
	out := Args{}
	for _, a := range args {
		for k, v := range a {
			out[k] = v
		}
	}
	return out
}

// messages returns the raw texts of every message of l, by ID, for the
// tests.
func messages(l Locale) map[string][]string { return cat().ids[l] }

// placeholders returns the sorted, distinct {{.Name}} parameters of s.
func placeholders(s string) []string {
	seen := map[string]bool{}
	var out []string
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			break
		}
		action := strings.TrimSpace(s[i+2 : i+j])
		s = s[i+j+2:]
		for _, f := range strings.Fields(action) {
			if strings.HasPrefix(f, ".") && len(f) > 1 && !seen[f[1:]] {
				seen[f[1:]] = true
				out = append(out, f[1:])
			}
		}
	}
	sort.Strings(out)
	return out
}
