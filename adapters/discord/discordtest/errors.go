package discordtest

import (
	"fmt"
	"net/http"
)

// apiError is a Discord JSON error: an HTTP status and the body
// {"message": ..., "code": ..., "errors": ...}.
type apiError struct {
	Status  int            `json:"-"`
	Message string         `json:"message"`
	Code    int            `json:"code"`
	Errors  map[string]any `json:"errors,omitempty"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("discord %d: %s (code %d)", e.Status, e.Message, e.Code)
}

func newAPIError(status, code int, msg string) *apiError {
	return &apiError{Status: status, Code: code, Message: msg}
}

func errUnauthorized() *apiError { return newAPIError(401, 0, "401: Unauthorized") }
func errNotFound() *apiError     { return newAPIError(404, 0, "404: Not Found") }
func errMethodNotAllowed() *apiError {
	return newAPIError(405, 0, "405: Method Not Allowed")
}
func errUnknownChannel() *apiError { return newAPIError(404, 10003, "Unknown Channel") }
func errUnknownGuild() *apiError   { return newAPIError(404, 10004, "Unknown Guild") }
func errUnknownMember() *apiError  { return newAPIError(404, 10007, "Unknown Member") }
func errUnknownMessage() *apiError { return newAPIError(404, 10008, "Unknown Message") }
func errUnknownUser() *apiError    { return newAPIError(404, 10013, "Unknown User") }
func errUnknownWebhook() *apiError { return newAPIError(404, 10015, "Unknown Webhook") }
func errUnknownInteraction() *apiError {
	return newAPIError(404, 10062, "Unknown interaction")
}
func errUnknownCommand() *apiError {
	return newAPIError(404, 10063, "Unknown application command")
}
func errMissingAccess() *apiError { return newAPIError(403, 50001, "Missing Access") }
func errMissingPermissions() *apiError {
	return newAPIError(403, 50013, "Missing Permissions")
}
func errEditOthers() *apiError {
	return newAPIError(403, 50005, "Cannot edit a message authored by another user")
}
func errEmptyMessage() *apiError {
	return newAPIError(400, 50006, "Cannot send an empty message")
}
func errWrongChannelType() *apiError {
	return newAPIError(400, 50024, "Cannot execute action on this channel type")
}
func errInvalidJSON() *apiError {
	return newAPIError(400, 50109, "The request body contains invalid JSON.")
}
func errTooLarge() *apiError { return newAPIError(413, 40005, "Request entity too large") }
func errAlreadyAcknowledged() *apiError {
	return newAPIError(400, 40060, "Interaction has already been acknowledged.")
}
func errThreadExists() *apiError {
	return newAPIError(400, 160004, "A thread has already been created for this message")
}

// errThreadArchived is 50083; Discord answers 400 for most actions and 403
// when a locked, archived thread refuses a new message.
func errThreadArchived(status int) *apiError {
	return newAPIError(status, 50083, "Thread is archived")
}

func errThreadLocked() *apiError { return newAPIError(403, 160005, "Thread is locked") }

// formError is 50035 Invalid Form Body with one field error, shaped as
// {"errors": {"content": {"_errors": [{"code": ..., "message": ...}]}}}.
func formError(field, code, msg string) *apiError {
	e := newAPIError(http.StatusBadRequest, 50035, "Invalid Form Body")
	e.Errors = map[string]any{field: map[string]any{
		"_errors": []map[string]string{{"code": code, "message": msg}},
	}}
	return e
}
