package i18n

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A Msg written as JSON reads back as the same sentence in every
// language: nested messages, integral counts (choosing a plural form),
// strings and instants survive the trip.
func TestMsgJSONRoundTrip(t *testing.T) {
	until := time.Date(2026, 12, 7, 14, 5, 0, 0, time.UTC)
	in := []Msg{
		M("audit.user.changed", Args{"Field": M("audit.field.language"), "Old": M("common.none"), "New": M("common.language.fr")}),
		MN("audit.interest.deleted", 1),
		M("audit.login.locked", Args{"Count": 5, "Until": until}),
		M("audit.delivery.retried", Args{"Stream": "t42", "Error": `"quoted" <b>`}),
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out []Msg
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if len(out) != len(in) {
		t.Fatalf("%d messages back, want %d", len(out), len(in))
	}
	for _, l := range Locales() {
		p := For(l)
		for i := range in {
			if got, want := p.Msg(out[i]), p.Msg(in[i]); got != want || strings.Contains(got, "[") {
				t.Errorf("%s: %s read back as %q, want %q", l, in[i].ID, got, want)
			}
		}
	}
	if got := For(FR).Msg(out[1]); got != "1 entreprise l’a perdu" {
		t.Errorf("plural after the trip: %q", got)
	}
	if got := For(FR).Msg(out[2]); got != "5 échecs\u202f: bloqué jusqu’au 7"+NBSP+"déc. 2026, 14"+NBSP+"h"+NBSP+"05" {
		t.Errorf("instant after the trip: %q", got)
	}
	for _, bad := range []string{`{"args":{}}`, `{"id":"x","args":{"A":{"args":{}}}}`, `[1]`} {
		var m Msg
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("%s read as %+v, want an error", bad, m)
		}
	}
}
