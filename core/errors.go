// Package core holds JayayaCRM's domain: users, interests, companies, people,
// comments, tasks, tickets, messages and the delivery outbox, their rules and
// their storage through bun. It knows nothing of HTTP, Slack or Discord.
package core

import (
	"errors"
	"fmt"
	"time"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// Error codes carried by *Error. Transport layers map each code to their own
// vocabulary (HTTP status, an ephemeral chat reply) in one place.
const (
	EINVALID   = "invalid"
	ENOTFOUND  = "not_found"
	ECONFLICT  = "conflict"
	EFORBIDDEN = "forbidden"
	EINTERNAL  = "internal"
	// ELIMITED: too many attempts from the caller; try again after
	// RetryAfter.
	ELIMITED = "limited"
	// EBUSY: the server is too busy for this now; try again after
	// RetryAfter.
	EBUSY = "busy"
)

// Error is the one error type of the domain. Msg is what the user who
// caused it reads, a catalog message translated into their language by
// ErrorMessageIn; Message is the same in English, for logs and the CLI.
// Field names the offending input field for validation errors, when
// there is one.
type Error struct {
	Code    string
	Message string
	Field   string
	// Msg is the catalog message (its ID empty for an error built from an
	// English format, which every language then shows as Message).
	Msg i18n.Msg
	// RetryAfter, on ELIMITED and EBUSY, is when trying again may succeed.
	RetryAfter time.Duration
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("core error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("core error: code=%s message=%s", e.Code, e.Message)
}

// E returns an *Error with the given code whose message is the catalog's
// id with args.
func E(code, id string, args ...i18n.Args) *Error {
	return EMsg(code, i18n.M(id, args...))
}

// EMsg returns an *Error with the given code whose message is m (built
// with i18n.M, or i18n.MN for a message with plural forms).
func EMsg(code string, m i18n.Msg) *Error {
	return &Error{Code: code, Msg: m, Message: i18n.For(i18n.EN).Msg(m)}
}

// FieldE returns an *Error with the given code about one input field
// (the input shows it beside itself) whose message is the catalog's id
// with args.
func FieldE(code, field, id string, args ...i18n.Args) *Error {
	e := E(code, id, args...)
	e.Field = field
	return e
}

// InvalidN is InvalidE for a message with plural forms, chosen by count
// (given to the message as {{.Count}}).
func InvalidN(field, id string, count int, args ...i18n.Args) *Error {
	e := EMsg(EINVALID, i18n.MN(id, count, args...))
	e.Field = field
	return e
}

// InvalidE returns an EINVALID error about one input field whose message
// is the catalog's id with args.
func InvalidE(field, id string, args ...i18n.Args) *Error {
	return FieldE(EINVALID, field, id, args...)
}

// Errorf returns an *Error with the given code and a formatted English
// message that no person is meant to read: an internal error, a
// programming error, a line for the logs. What a person reads comes from
// the catalog (E, InvalidE, FieldE, EMsg); ErrorMessageIn shows the
// message of an Errorf error as it is, in English, whatever the language.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err's *Error, EINTERNAL for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err's *Error in English,
// or a short apology for any other error (whose detail must be logged,
// not shown).
func ErrorMessage(err error) string { return ErrorMessageIn(err, i18n.EN) }

// ErrorMessageIn returns the user-safe message of err's *Error in l, or a
// short apology in l for any other error (whose detail must be logged,
// not shown).
func ErrorMessageIn(err error, l i18n.Locale) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		if e.Msg.ID != "" {
			return i18n.For(l).Msg(e.Msg)
		}
		return e.Message
	}
	return i18n.For(l).T("common.internal_error")
}

// ErrorField returns the field named by err's *Error, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
