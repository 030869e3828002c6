package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// signRequest signs body at ts with secret as Slack does.
func signRequest(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

func slackHeader(ts, sig string) http.Header {
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", sig)
	return h
}

// FuzzSlackVerifier: the Slack request verifier refuses anything it did
// not sign. Whatever the headers say, a request passes only with the
// signature of its own timestamp and body, made with the secret, within
// five minutes of the clock; a signed request changed in any way (a byte
// of its body, its timestamp, its signature, the secret) is refused; and
// one that passes in another spelling of the same signature (its hex in
// capitals) is the same request to the replay check. Seeds: the bodies of
// the adapter's tests (a command, an event, an interaction, empty, NUL).
func FuzzSlackVerifier(f *testing.F) {
	const secret = "fake-signing-secret"
	for _, body := range []string{
		"command=%2Fcrm&text=comment+Acme+Called+them&user_id=U0SAM&channel_id=C0SALES",
		`{"type":"event_callback","event_id":"Ev1","event":{"type":"message","channel":"C1","ts":"1.2","thread_ts":"1.1","text":"hi"}}`,
		`payload=%7B%22type%22%3A%22block_actions%22%7D`, "", "nul\x00byte", "company add Acme\u202Eemca",
	} {
		for m := range uint8(8) {
			f.Add([]byte(body), int64(0), m, uint16(3), byte('x'), "1700000000", "v0=00")
		}
	}
	f.Add([]byte("x"), int64(299), uint8(0), uint16(0), byte(0), "", "")
	f.Add([]byte("x"), int64(-301), uint8(0), uint16(0), byte(0), "+1700000000", "V0=ab")
	f.Fuzz(func(t *testing.T, body []byte, skew int64, mutation uint8, pos uint16, b byte, rawTS, rawSig string) {
		a := &Adapter{cfg: Config{SigningSecret: secret}}
		now := time.Now()

		// Headers as anyone may write them.
		if err := a.verify(slackHeader(rawTS, rawSig), body); err == nil {
			ts, perr := strconv.ParseInt(rawTS, 10, 64)
			if perr != nil || !strings.EqualFold(rawSig, signRequest(secret, rawTS, body)) || now.Sub(time.Unix(ts, 0)).Abs() > 5*time.Minute+time.Second {
				t.Fatalf("verify accepted ts %q sig %q for %q", rawTS, rawSig, body)
			}
		}

		// A request signed here, skew seconds away from now.
		skew %= 20 * 60
		ts := strconv.FormatInt(now.Unix()+skew, 10)
		sig := signRequest(secret, ts, body)
		err := a.verify(slackHeader(ts, sig), body)
		switch off := time.Duration(skew) * time.Second; {
		case off.Abs() <= 5*time.Minute-2*time.Second && err != nil:
			t.Fatalf("a request signed %s away refused: %v", off, err)
		case off.Abs() >= 5*time.Minute+2*time.Second && err == nil:
			t.Fatalf("a request signed %s away accepted", off)
		}
		if err != nil {
			return
		}

		// The same request, changed.
		mBody, mTS, mSig, sameBytes := append([]byte(nil), body...), ts, sig, false
		switch mutation % 8 {
		case 0: // a byte of the body
			if len(mBody) == 0 {
				mBody = []byte{b}
			} else {
				mBody[int(pos)%len(mBody)] ^= b | 1
			}
		case 1: // a byte more
			i := int(pos) % (len(mBody) + 1)
			mBody = append(mBody[:i], append([]byte{b}, mBody[i:]...)...)
		case 2: // a byte less, or the body gone
			if len(mBody) == 0 {
				mBody = []byte("x")
			} else {
				i := int(pos) % len(mBody)
				mBody = append(mBody[:i], mBody[i+1:]...)
			}
		case 3: // the timestamp, written otherwise or moved
			mTS = []string{"+" + ts, "0" + ts, strconv.FormatInt(now.Unix()+skew+1+int64(b%60), 10), ts + "0"}[int(pos)%4]
		case 4: // a hex digit of the signature
			i := len("v0=") + int(pos)%(len(sig)-len("v0="))
			digits := "0123456789abcdef"
			c := digits[(strings.IndexByte(digits, sig[i])+1+int(b)%15)%16]
			mSig = sig[:i] + string(c) + sig[i+1:]
		case 5: // the same signature in capitals: the same bytes
			mSig, sameBytes = "v0="+strings.ToUpper(sig[len("v0="):]), true
		case 6: // another secret (not one that differs only by trailing
			// NUL bytes: HMAC pads short keys with zeros, so those are
			// the same key)
			mSig = signRequest(string(rune('A'+b%26))+secret, ts, body)
		case 7: // the prefix
			mSig = "V0=" + sig[len("v0="):]
		}
		merr := a.verify(slackHeader(mTS, mSig), mBody)
		switch {
		case sameBytes && merr != nil:
			t.Fatalf("the signature in capitals refused: %v", merr)
		case sameBytes && replayKey(slackHeader(mTS, mSig), false) != replayKey(slackHeader(ts, sig), false):
			t.Fatalf("the signature in capitals is another request to the replay check: %q, %q", mSig, sig)
		case !sameBytes && merr == nil:
			t.Fatalf("a changed request accepted (mutation %d): ts %q sig %q body %q; signed ts %q sig %q body %q", mutation%8, mTS, mSig, mBody, ts, sig, body)
		}
	})
}
