package core

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	loginRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)
	slackIDRE   = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)
	discordIDRE = regexp.MustCompile(`^[0-9]{15,21}$`)
	colorRE     = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	phoneRE     = regexp.MustCompile(`^\+?[0-9 ().\-]{3,32}$`)
)

// text trims s and checks that it is at most max characters; required makes
// an empty value an error. field names the input in the error.
func text(field, label, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", Invalid(field, "%s is required.", label)
	}
	if utf8.RuneCountInString(s) > max {
		return "", Invalid(field, "%s must be at most %d characters.", label, max)
	}
	return s, nil
}

func validEmail(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") || len(s) > 254 {
		return "", Invalid(field, "%q is not a valid email address.", s)
	}
	return s, nil
}

func validPhone(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if !phoneRE.MatchString(s) {
		return "", Invalid(field, "%q is not a valid phone number (digits, spaces, + ( ) . - only).", s)
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
		return "", Invalid(field, "%q is not a valid web address.", s)
	}
	return s, nil
}

func validTimeZone(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "UTC", nil
	}
	if _, err := time.LoadLocation(s); err != nil || s == "Local" {
		return "", Invalid(field, "%q is not a known time zone (use an IANA name such as Europe/Paris).", s)
	}
	return s, nil
}

// ValidColor reports whether s is a #RRGGBB colour.
func ValidColor(s string) bool { return colorRE.MatchString(s) }
