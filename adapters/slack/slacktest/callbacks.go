package slacktest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/slack-go/slack"
)

// SlackDeadline is how long Slack waits for the product to answer a
// callback (or ack an envelope) before it gives up or retries.
const SlackDeadline = 3 * time.Second

// Sender delivers callbacks into the product: over HTTP, signed (from
// Server.HTTP), or as Socket Mode envelopes (from Server.Socket). Both have
// the same methods, so one test can run over either.
type Sender struct {
	srv    *Server
	socket bool
}

// HTTP returns a Sender that POSTs signed callbacks to the product's
// Config.ProductURL.
func (s *Server) HTTP() *Sender { return &Sender{srv: s} }

// Socket returns a Sender that delivers envelopes over the product's Socket
// Mode connection, waiting for one if none is open yet.
func (s *Server) Socket() *Sender { return &Sender{srv: s, socket: true} }

// Delivery is the product's answer to one callback.
type Delivery struct {
	Status      int           // HTTP status; 200 for an acknowledged envelope
	Header      http.Header   // HTTP only
	Body        []byte        // HTTP response body, or the ack's payload
	Duration    time.Duration // from sending until the answer or ack
	EnvelopeID  string        // Socket Mode only
	Attempts    int           // Socket Mode: how many times the envelope was sent
	TriggerID   string        // the trigger_id the callback carried, if any
	ResponseURL string        // the response_url the callback carried, if any
	// Event is the Events API callback delivered, to send again for
	// duplicate and retry tests.
	Event *EventCallback
}

// OK reports a 2xx answer.
func (d *Delivery) OK() bool { return d.Status >= 200 && d.Status < 300 }

// Late reports an answer slower than Slack waits for (SlackDeadline).
func (d *Delivery) Late() bool { return d.Duration > SlackDeadline }

// JSON decodes the answer's body into v.
func (d *Delivery) JSON(v any) error { return json.Unmarshal(d.Body, v) }

// ViewResponse decodes the answer to a view_submission; an empty answer is
// the zero response, which closes the view.
func (d *Delivery) ViewResponse() (slack.ViewSubmissionResponse, error) {
	var r slack.ViewSubmissionResponse
	if len(bytes.TrimSpace(d.Body)) == 0 || string(d.Body) == "null" {
		return r, nil
	}
	err := json.Unmarshal(d.Body, &r)
	return r, err
}

// SendOption changes how one callback is sent.
type SendOption func(*sendOptions)

type sendOptions struct {
	badSignature bool
	unsigned     bool
	stale        bool
	signedAt     time.Time
	retryNum     int
	retryReason  string
}

// BadSignature signs the callback with the wrong secret.
func BadSignature() SendOption { return func(o *sendOptions) { o.badSignature = true } }

// Unsigned leaves out the signature headers.
func Unsigned() SendOption { return func(o *sendOptions) { o.unsigned = true } }

// StaleTimestamp signs correctly but with a timestamp ten minutes old,
// outside the five minutes a verifier accepts.
func StaleTimestamp() SendOption { return func(o *sendOptions) { o.stale = true } }

// SignedAt signs correctly with the given timestamp.
func SignedAt(t time.Time) SendOption { return func(o *sendOptions) { o.signedAt = t } }

// Retry marks the delivery as Slack's num-th retry: X-Slack-Retry-Num and
// X-Slack-Retry-Reason over HTTP ("http_timeout", "http_error", …), or
// retry_attempt and retry_reason in a Socket Mode envelope.
func Retry(num int, reason string) SendOption {
	return func(o *sendOptions) { o.retryNum, o.retryReason = num, reason }
}

// Signature is Slack's request signature for body sent at timestamp:
// "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)).
func Signature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	_, _ = fmt.Fprintf(mac, "v0:%s:", timestamp)
	_, _ = mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// callback is one delivery before it is put on a transport.
type callback struct {
	kind string          // "command", "event" or "interaction"
	form url.Values      // a slash command's fields
	json json.RawMessage // an event_callback envelope or an interaction payload
}

// ErrNotOverSocket is returned for callbacks Socket Mode does not carry.
var ErrNotOverSocket = errors.New("slacktest: not delivered over Socket Mode")

func (snd *Sender) deliver(ctx context.Context, cb callback, opts []SendOption) (*Delivery, error) {
	var o sendOptions
	for _, opt := range opts {
		opt(&o)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, snd.srv.cfg.CallbackTimeout)
		defer cancel()
	}
	if snd.socket {
		return snd.srv.hub.deliver(ctx, cb, o)
	}
	return snd.srv.postCallback(ctx, cb, o)
}

// postCallback POSTs a callback to the product as Slack would.
func (s *Server) postCallback(ctx context.Context, cb callback, o sendOptions) (*Delivery, error) {
	var p, ctype string
	var body []byte
	switch cb.kind {
	case "command":
		p, ctype, body = s.cfg.CommandsPath, "application/x-www-form-urlencoded", []byte(cb.form.Encode())
	case "event":
		p, ctype, body = s.cfg.EventsPath, "application/json", cb.json
	default:
		p, ctype = s.cfg.InteractionsPath, "application/x-www-form-urlencoded"
		body = []byte(url.Values{"payload": {string(cb.json)}}.Encode())
	}
	endpoint := s.productEndpoint(p)
	if endpoint == "" {
		return nil, errors.New("slacktest: no product URL; set Config.ProductURL or call SetProductURL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	if !o.unsigned {
		at := s.Now()
		if o.stale {
			at = at.Add(-10 * time.Minute)
		}
		if !o.signedAt.IsZero() {
			at = o.signedAt
		}
		ts := strconv.FormatInt(at.Unix(), 10)
		secret := s.cfg.SigningSecret
		if o.badSignature {
			secret += "-forged"
		}
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", Signature(secret, ts, body))
	}
	if o.retryNum > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(o.retryNum))
		req.Header.Set("X-Slack-Retry-Reason", o.retryReason)
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, err
	}
	return &Delivery{Status: resp.StatusCode, Header: resp.Header, Body: answer, Duration: time.Since(start)}, nil
}
