package i18n

import (
	"testing"
	"time"
)

// What one sentence costs: a /crm answer asks the catalog for a few
// dozen of them (a company card about twenty).
//
//	go test -run '^$' -bench . -count 5 ./core/i18n/
func BenchmarkT(b *testing.B) {
	p := For(FR)
	args := Args{"Query": "Dupont & Fils"}
	b.ReportAllocs()
	for b.Loop() {
		p.T("crm.company.no_match", args)
	}
}

// A message with plural forms, with a nested message as a parameter.
func BenchmarkNWithMsg(b *testing.B) {
	p := For(FR)
	args := Args{"Field": M("core.field.company_name")}
	b.ReportAllocs()
	for b.Loop() {
		p.N("core.text.too_long", 200, args)
	}
}

// A plain label, without parameters.
func BenchmarkLabel(b *testing.B) {
	p := For(EN)
	b.ReportAllocs()
	for b.Loop() {
		p.T("crm.label.website")
	}
}

// A French date and time.
func BenchmarkDateTime(b *testing.B) {
	p := For(FR)
	t := time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		p.DateTime(t)
	}
}
