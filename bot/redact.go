package bot

// RedactedError is an error whose text had credentials taken out of it
// (see Redact). Only its text changes: errors.Is and errors.As still see
// the original error, so its classification (rate limit, status) holds.
type RedactedError struct {
	Err  error  // the original error
	Text string // its text without the credentials
}

// Error returns the redacted text.
func (e *RedactedError) Error() string { return e.Text }

// Unwrap returns the original error.
func (e *RedactedError) Unwrap() error { return e.Err }

// Redact returns err with its text passed through clean, which takes out
// the credentials a platform puts in URLs (a Discord webhook's token, a
// Slack response_url): a network failure's error quotes the URL it
// called, and errors are logged and stored with deliveries. Adapters
// redact at their boundary, before an error leaves them. It returns err
// itself when clean changes nothing, and nil for nil.
func Redact(err error, clean func(string) string) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	if c := clean(text); c != text {
		return &RedactedError{Err: err, Text: c}
	}
	return err
}
