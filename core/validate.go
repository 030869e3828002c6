package core

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jayaya/jayayacrm/core/i18n"
)

var (
	loginRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)
	slackIDRE   = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)
	discordIDRE = regexp.MustCompile(`^[0-9]{15,21}$`)
	colorRE     = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	phoneRE     = regexp.MustCompile(`^\+?[0-9 ().\-]{3,32}$`)
)

// text trims s and checks that it is at most max characters of valid
// text (see plainText) without bidirectional controls (see isBidiControl):
// everything a person types into the product (names, titles, comments) is
// shown inside other text, in cards, lists and the panel. required makes
// an empty value an error. field names the input in the error; label is
// the catalog ID of its name (core.field.*), shown in the message.
func text(field, label, s string, max int, required bool) (string, error) {
	s, err := plainText(field, label, s)
	if err != nil {
		return "", err
	}
	if strings.IndexFunc(s, isBidiControl) >= 0 {
		return "", InvalidE(field, "core.text.bidi", i18n.Args{"Label": i18n.M(label)})
	}
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", InvalidE(field, "core.text.required", i18n.Args{"Field": i18n.M(label)})
	}
	if utf8.RuneCountInString(s) > max {
		return "", InvalidN(field, "core.text.too_long", max, i18n.Args{"Field": i18n.M(label)})
	}
	return s, nil
}

// plainText checks that s is text a person could have typed: valid UTF-8
// without control characters other than line breaks and tabs (a NUL
// cannot even be stored by PostgreSQL). Windows line breaks (CR LF, as
// browsers send a textarea) become LF. Errors: EINVALID naming field.
func plainText(field, label, s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", InvalidE(field, "core.text.not_utf8", i18n.Args{"Field": i18n.M(label)})
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if strings.IndexFunc(s, isForbiddenControl) >= 0 {
		return "", InvalidE(field, "core.text.control", i18n.Args{"Field": i18n.M(label)})
	}
	return s, nil
}

// isForbiddenControl reports a control character other than a line
// break or a tab.
func isForbiddenControl(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\t'
}

// isBidiControl reports an embedding, override or isolate of Unicode's
// bidirectional algorithm (U+202A–U+202E, U+2066–U+2069). Each changes
// the order in which the text after it is shown, so a name holding one
// can pass for another (U+202E then "fdp.exe" shows as "exe.pdf"). The marks U+200E
// and U+200F, which only give a direction, are not among them.
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// CleanName is CleanText for a name that arrives from a chat platform and
// must not be refused (a display name, a subject taken from a message, a
// file name): bidirectional controls are removed too, as text typed into
// the product may not hold them.
func CleanName(s string) string { return dropRunes(CleanText(s), isBidiControl) }

// CleanText makes s storable text without refusing it, for what arrives
// from chat platforms and must not be lost (relayed messages, display
// names, see CleanName): invalid UTF-8 becomes U+FFFD, CR LF becomes LF,
// and control characters other than line breaks and tabs are removed.
// Bidirectional controls stay: writers of right-to-left languages use
// them, and a relayed message is shown on its own (a post, or a line of
// a combined post), where Unicode ends their effect with the paragraph.
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return dropRunes(s, isForbiddenControl)
}

// dropRunes returns s without the runes drop reports.
func dropRunes(s string, drop func(rune) bool) string {
	if strings.IndexFunc(s, drop) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if drop(r) {
			return -1
		}
		return r
	}, s)
}

func validEmail(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") || len(s) > 254 {
		return "", InvalidE(field, "core.text.email_invalid", i18n.Args{"Value": s})
	}
	return s, nil
}

func validPhone(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if !phoneRE.MatchString(s) {
		return "", InvalidE(field, "core.text.phone_invalid", i18n.Args{"Value": s})
	}
	return s, nil
}

// validWebsite accepts an http(s) URL, adding https:// when no scheme is given.
func validWebsite(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !strings.Contains(u.Hostname(), ".") || len(s) > 500 {
		return "", InvalidE(field, "core.text.website_invalid", i18n.Args{"Value": s})
	}
	return s, nil
}

func validTimeZone(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "UTC", nil
	}
	if _, err := time.LoadLocation(s); err != nil || s == "Local" {
		return "", InvalidE(field, "core.text.time_zone_invalid", i18n.Args{"Value": s})
	}
	return s, nil
}

// validLocale accepts a supported language code ("fr", "fr-FR", "en"),
// kept as its short form, or an empty value (no setting).
func validLocale(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	l, ok := i18n.Parse(s)
	if !ok {
		return "", InvalidE(field, "core.user.locale_invalid", i18n.Args{"Value": s})
	}
	return string(l), nil
}

// ValidColor reports whether s is a #RRGGBB colour.
func ValidColor(s string) bool { return colorRE.MatchString(s) }
