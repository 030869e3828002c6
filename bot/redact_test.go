package bot

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core/outbox"
)

func TestRedactKeepsTheErrorButNotTheSecret(t *testing.T) {
	ue := &url.Error{Op: "Post", URL: "https://hooks.example/T1/secret-token", Err: errors.New("EOF")}
	clean := func(s string) string { return strings.ReplaceAll(s, "secret-token", "REDACTED") }

	err := Redact(outbox.RetryAfter(time.Second, ue), clean)
	if strings.Contains(err.Error(), "secret-token") || !strings.Contains(err.Error(), "https://hooks.example/T1/REDACTED") {
		t.Errorf("text %q", err.Error())
	}
	var got *url.Error
	var retry *outbox.RetryAfterError
	if !errors.As(err, &got) || got != ue || !errors.As(err, &retry) || retry.After != time.Second {
		t.Errorf("the original error is lost: %#v", err)
	}
	if p := outbox.Permanent(Redact(ue, clean)); strings.Contains(p.Error(), "secret-token") || !outbox.IsPermanent(p) {
		t.Errorf("permanent: %q", p.Error())
	}

	plain := errors.New("no secret here")
	if Redact(plain, clean) != plain || Redact(nil, clean) != nil {
		t.Error("an error without a secret was wrapped")
	}
}
