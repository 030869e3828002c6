package i18n

import (
	"strings"

	"golang.org/x/text/language"
)

// Locale is a language the product speaks: English or French.
type Locale string

// The locales the catalog is complete in.
const (
	EN Locale = "en"
	FR Locale = "fr"
)

// Default is the language used when nothing else decides.
const Default = EN

// Locales returns every supported locale, the default first.
func Locales() []Locale { return []Locale{EN, FR} }

// String returns the locale's code ("en", "fr").
func (l Locale) String() string { return string(l) }

// Tag returns the locale's BCP 47 language tag.
func (l Locale) Tag() language.Tag {
	if l == FR {
		return language.French
	}
	return language.English
}

// Parse reads a locale from a code as users and platforms write it: "fr",
// "fr-FR", "fr_CA", "FR", "en-GB". It reports false for an empty or
// unsupported language ("de", "xx").
func Parse(s string) (Locale, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	switch Locale(s) {
	case EN, FR:
		return Locale(s), true
	}
	return "", false
}

// Pick returns the first candidate that names a supported locale (see
// Parse), else fallback, else Default. Candidates go from the most to the
// least specific: a user's setting, what their platform says, the
// server's JAYAYA_LOCALE.
func Pick(fallback Locale, candidates ...string) Locale {
	for _, c := range candidates {
		if l, ok := Parse(c); ok {
			return l
		}
	}
	if l, ok := Parse(string(fallback)); ok {
		return l
	}
	return Default
}

// ForAcceptLanguage is the Printer of the language a browser's
// Accept-Language header prefers, else fallback's.
func ForAcceptLanguage(header string, fallback Locale) Printer {
	if l, ok := FromAcceptLanguage(header); ok {
		return For(l)
	}
	return For(Pick(fallback))
}

// FromAcceptLanguage returns the supported locale a browser's
// Accept-Language header prefers, and false when it names none of them
// (or is empty or malformed), so that the caller can fall back.
func FromAcceptLanguage(header string) (Locale, bool) {
	tags, weights, err := language.ParseAcceptLanguage(header)
	if err != nil {
		return "", false
	}
	for i, t := range tags {
		if weights[i] <= 0 {
			continue
		}
		if base, conf := t.Base(); conf != language.No {
			if l, ok := Parse(base.String()); ok {
				return l, true
			}
		}
	}
	return "", false
}
