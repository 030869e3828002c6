package slacktest

import "testing"

func TestParseTS(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1700000000.000100", 1700000000000100, true},
		{"1700000000.1", 1700000000100000, true},
		{"1700000000", 1700000000000000, true},
		{"0", 0, true},
		{"1700000000.0000001", 0, false},
		{"-1.5", 0, false},
		{"abc", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseTS(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseTS(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && tt.ok && len(tt.in) == 17 && formatTS(got) != tt.in {
			t.Errorf("formatTS(%d) = %q, want %q", got, formatTS(got), tt.in)
		}
	}
}
