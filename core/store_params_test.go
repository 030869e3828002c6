package core

import (
	"net/url"
	"strings"
	"testing"
)

func TestWithParamsURL(t *testing.T) {
	add := map[string]string{"default_query_exec_mode": "simple_protocol"}
	more := map[string]string{"synchronous_commit": "off", "default_query_exec_mode": "exec"}
	cases := []struct {
		name, in string
		params   []map[string]string
		want     url.Values
	}{
		{"no query", "postgres://u:secret@db.example:5432/crm", []map[string]string{add},
			url.Values{"default_query_exec_mode": {"simple_protocol"}}},
		{"existing query", "postgres://u@db.example/crm?sslmode=disable&application_name=jayaya", []map[string]string{add},
			url.Values{"sslmode": {"disable"}, "application_name": {"jayaya"}, "default_query_exec_mode": {"simple_protocol"}}},
		{"operator's value kept", "postgresql://u@db.example/crm?default_query_exec_mode=describe_exec", []map[string]string{add, more},
			url.Values{"default_query_exec_mode": {"describe_exec"}, "synchronous_commit": {"off"}}},
		{"first set wins", "postgres://u@db.example/crm", []map[string]string{add, more},
			url.Values{"default_query_exec_mode": {"simple_protocol"}, "synchronous_commit": {"off"}}},
	}
	for _, c := range cases {
		got := withParams(c.in, c.params...)
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%s: %q is no URL: %v", c.name, got, err)
		}
		in, _ := url.Parse(c.in)
		if u.Scheme != in.Scheme || u.User.String() != in.User.String() || u.Host != in.Host || u.Path != in.Path {
			t.Fatalf("%s: %q changed more than the query of %q", c.name, got, c.in)
		}
		if q := u.Query(); q.Encode() != c.want.Encode() {
			t.Fatalf("%s: withParams(%q) = %q, query %v, want %v", c.name, c.in, got, q, c.want)
		}
	}
}

func TestWithParamsKeywordValueDSN(t *testing.T) {
	in := "host=db.example user=u dbname=crm sslmode=disable"
	got := withParams(in, map[string]string{"default_query_exec_mode": "simple_protocol"}, map[string]string{"synchronous_commit": "off"})
	if !strings.HasPrefix(got, in+" ") {
		t.Fatalf("withParams(%q) = %q: the operator's settings are not kept as they were", in, got)
	}
	kv := keywordValues(t, got)
	if kv["default_query_exec_mode"] != "simple_protocol" || kv["synchronous_commit"] != "off" || kv["sslmode"] != "disable" || kv["host"] != "db.example" {
		t.Fatalf("withParams(%q) = %q", in, got)
	}

	// The operator's own setting is kept, written either way libpq allows.
	for _, in := range []string{
		"host=db.example default_query_exec_mode=exec",
		"host=db.example default_query_exec_mode = exec",
	} {
		got := withParams(in, map[string]string{"default_query_exec_mode": "simple_protocol"})
		if kv := keywordValues(t, got); kv["default_query_exec_mode"] != "exec" {
			t.Errorf("withParams(%q) = %q: the operator's default_query_exec_mode=exec is overridden", in, got)
		}
	}
}

// keywordValues parses a key=value DSN (no quoting) as pgx does: spaces
// around '=' are allowed and a later key overrides an earlier one.
func keywordValues(t *testing.T, dsn string) map[string]string {
	t.Helper()
	out := map[string]string{}
	s := strings.TrimSpace(dsn)
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			t.Fatalf("malformed DSN %q", dsn)
		}
		key := strings.TrimSpace(s[:eq])
		s = strings.TrimLeft(s[eq+1:], " ")
		end := strings.IndexByte(s, ' ')
		if end < 0 {
			end = len(s)
		}
		out[key] = s[:end]
		s = strings.TrimLeft(s[end:], " ")
	}
	return out
}
