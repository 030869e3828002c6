package discordtest

import (
	"fmt"
	"net/http"
)

// APIError is a Discord JSON error: REST answers it as the body
// {"message": ..., "code": ..., "errors": ...} with Status, and simulation
// methods (SendUserMessage, CreateThread...) return it when Discord would
// have refused the user's action.
type APIError struct {
	// Status is the HTTP status Discord answers with.
	Status int `json:"-"`
	// Message is Discord's message, e.g. "Unknown Channel".
	Message string `json:"message"`
	// Code is Discord's JSON error code, e.g. 10003.
	Code int `json:"code"`
	// Errors holds per-field errors of code 50035 (Invalid Form Body).
	Errors map[string]any `json:"errors,omitempty"`
}

// Error describes the error with its status and code.
func (e *APIError) Error() string {
	return fmt.Sprintf("discord %d: %s (code %d)", e.Status, e.Message, e.Code)
}

func newAPIError(status, code int, msg string) *APIError {
	return &APIError{Status: status, Code: code, Message: msg}
}

func errUnauthorized() *APIError { return newAPIError(401, 0, "401: Unauthorized") }
func errNotFound() *APIError     { return newAPIError(404, 0, "404: Not Found") }
func errMethodNotAllowed() *APIError {
	return newAPIError(405, 0, "405: Method Not Allowed")
}
func errUnknownChannel() *APIError { return newAPIError(404, 10003, "Unknown Channel") }
func errUnknownGuild() *APIError   { return newAPIError(404, 10004, "Unknown Guild") }
func errUnknownMember() *APIError  { return newAPIError(404, 10007, "Unknown Member") }
func errUnknownMessage() *APIError { return newAPIError(404, 10008, "Unknown Message") }
func errUnknownUser() *APIError    { return newAPIError(404, 10013, "Unknown User") }
func errUnknownWebhook() *APIError { return newAPIError(404, 10015, "Unknown Webhook") }
func errUnknownInteraction() *APIError {
	return newAPIError(404, 10062, "Unknown interaction")
}
func errUnknownCommand() *APIError {
	return newAPIError(404, 10063, "Unknown application command")
}
func errMissingAccess() *APIError { return newAPIError(403, 50001, "Missing Access") }
func errMissingPermissions() *APIError {
	return newAPIError(403, 50013, "Missing Permissions")
}
func errEditOthers() *APIError {
	return newAPIError(403, 50005, "Cannot edit a message authored by another user")
}
func errEmptyMessage() *APIError {
	return newAPIError(400, 50006, "Cannot send an empty message")
}
func errWrongChannelType() *APIError {
	return newAPIError(400, 50024, "Cannot execute action on this channel type")
}
func errInvalidJSON() *APIError {
	return newAPIError(400, 50109, "The request body contains invalid JSON.")
}
func errTooLarge() *APIError { return newAPIError(413, 40005, "Request entity too large") }
func errAlreadyAcknowledged() *APIError {
	return newAPIError(400, 40060, "Interaction has already been acknowledged.")
}
func errThreadExists() *APIError {
	return newAPIError(400, 160004, "A thread has already been created for this message")
}

// errThreadArchived is 50083; Discord answers 400 for most actions and 403
// when a locked, archived thread refuses a new message.
func errThreadArchived(status int) *APIError {
	return newAPIError(status, 50083, "Thread is archived")
}

func errThreadLocked() *APIError { return newAPIError(403, 160005, "Thread is locked") }

// formError is 50035 Invalid Form Body with one field error, shaped as
// {"errors": {"content": {"_errors": [{"code": ..., "message": ...}]}}}.
func formError(field, code, msg string) *APIError {
	e := newAPIError(http.StatusBadRequest, 50035, "Invalid Form Body")
	e.Errors = map[string]any{field: map[string]any{
		"_errors": []map[string]string{{"code": code, "message": msg}},
	}}
	return e
}
