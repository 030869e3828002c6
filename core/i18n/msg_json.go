package i18n

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// A Msg is stored as JSON so that a sentence can be written once and read
// later in each reader's language (the audit log's details):
//
//	{"id":"audit.user.role","args":{"Old":"staff","New":"admin"}}
//
// An argument is a string, a number (an integral one comes back as an
// int, so that it can choose a plural form), a bool, another Msg
// (translated with the sentence), or an instant, written
// {"time":"2026-12-07T14:00:00Z"} and shown with Printer.DateTime.

type msgJSON struct {
	ID     string                     `json:"id"`
	Args   map[string]json.RawMessage `json:"args,omitempty"`
	Plural bool                       `json:"plural,omitempty"`
}

type timeJSON struct {
	Time time.Time `json:"time"`
}

// MarshalJSON writes m as {"id":…,"args":{…}} (see the package's JSON
// form of a Msg above).
func (m Msg) MarshalJSON() ([]byte, error) {
	out := msgJSON{ID: m.ID, Plural: m.Plural}
	if len(m.Args) > 0 {
		out.Args = make(map[string]json.RawMessage, len(m.Args))
		for k, v := range m.Args {
			if t, ok := v.(time.Time); ok {
				v = timeJSON{Time: t}
			}
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("i18n: argument %s of %s: %w", k, m.ID, err)
			}
			out.Args[k] = b
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON wrote. A message without an ID is
// an error.
func (m *Msg) UnmarshalJSON(b []byte) error {
	var in msgJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	if in.ID == "" {
		return fmt.Errorf("i18n: a stored message has no id")
	}
	*m = Msg{ID: in.ID, Plural: in.Plural}
	if len(in.Args) > 0 {
		m.Args = make(Args, len(in.Args))
		for k, raw := range in.Args {
			v, err := argFromJSON(raw)
			if err != nil {
				return fmt.Errorf("i18n: argument %s of %s: %w", k, in.ID, err)
			}
			m.Args[k] = v
		}
	}
	return nil
}

// argFromJSON reads one argument of a stored message.
func argFromJSON(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, err
		}
		if _, ok := probe["time"]; ok && len(probe) == 1 {
			var t timeJSON
			err := json.Unmarshal(raw, &t)
			return t.Time, err
		}
		var sub Msg
		err := sub.UnmarshalJSON(raw)
		return sub, err
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if n, ok := v.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return int(i), nil
		}
		return n.Float64()
	}
	return v, nil
}
