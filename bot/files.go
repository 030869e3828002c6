package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/outbox"
)

// Relayed attachments travel as files where the target platform takes
// them, as links otherwise. A sender downloads each file, within the
// platform's limit, and uploads it; a file too large, or that can never
// be downloaded, stays a link; a download that may succeed later fails
// the delivery, which is retried.

// ErrFileTooLarge reports a file larger than the platform accepts for
// upload: it travels as a link.
var ErrFileTooLarge = errors.New("file too large to upload")

// FileFetcher downloads files that only the adapter of their platform can
// read: the Slack adapter reads the files staff attach (private to the
// workspace) with its bot token. An adapter uploading relayed files asks
// it before fetching a URL itself.
type FileFetcher interface {
	// FetchFile returns the bytes of att, at most limit of them; handled
	// is false when att is not one of the fetcher's files. Errors:
	// ErrFileTooLarge (wrapped) above limit, a PermanentError when the
	// file can never be read (deleted, access refused), any other error
	// when a later try may succeed.
	FetchFile(ctx context.Context, att core.Attachment, limit int64) (data []byte, handled bool, err error)
}

// FileUnavailable reports whether a download error means the file must
// travel as a link: too large, or never readable.
func FileUnavailable(err error) bool {
	return errors.Is(err, ErrFileTooLarge) || outbox.IsPermanent(err)
}

// FetchURL downloads url with client, at most limit bytes. Errors:
// ErrFileTooLarge (wrapped) above limit; a PermanentError for a URL that
// is malformed or answers a 4xx status other than 408 and 429 (the file
// is gone or forbidden); any other error (5xx, 408, 429, network, time
// out) when a later try may succeed.
func FetchURL(ctx context.Context, client *http.Client, url string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, outbox.Permanent(fmt.Errorf("download %s: %w", url, err))
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	defer resp.Body.Close()
	if err := StatusError(resp.StatusCode); err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("download: %d bytes: %w", resp.ContentLength, ErrFileTooLarge)
	}
	return ReadLimited(resp.Body, limit)
}

// StatusError maps the HTTP status of a file download onto the relay's
// vocabulary: nil for 200, a PermanentError for a 4xx other than 408 and
// 429, a retryable error otherwise.
func StatusError(status int) error {
	switch {
	case status == http.StatusOK:
		return nil
	case status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
		return outbox.Permanent(fmt.Errorf("file unavailable: HTTP %d", status))
	}
	return fmt.Errorf("file server answered HTTP %d", status)
}

// ReadLimited reads r to its end; more than limit bytes is
// ErrFileTooLarge (wrapped).
func ReadLimited(r io.Reader, limit int64) ([]byte, error) {
	var w LimitedBuffer
	w.Limit = limit
	if _, err := io.Copy(&w, r); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// LimitedBuffer collects what is written to it, up to Limit bytes; a
// write beyond that fails with ErrFileTooLarge.
type LimitedBuffer struct {
	Limit int64
	buf   []byte
}

// Write appends p, or fails with ErrFileTooLarge when the buffer would
// then hold more than Limit bytes.
func (b *LimitedBuffer) Write(p []byte) (int, error) {
	if int64(len(b.buf))+int64(len(p)) > b.Limit {
		return 0, fmt.Errorf("more than %d bytes: %w", b.Limit, ErrFileTooLarge)
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Bytes returns what was written.
func (b *LimitedBuffer) Bytes() []byte { return b.buf }
