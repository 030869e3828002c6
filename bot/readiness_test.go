package bot_test

import (
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestReadinessTracksComponents(t *testing.T) {
	clock := coretest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	r := bot.NewReadiness()
	r.Now = clock.Now
	if ready, comps := r.Status(); !ready || len(comps) != 0 {
		t.Fatalf("empty registry: %v %v", ready, comps)
	}
	r.Set("slack", true, "")
	r.Set("discord", false, "starting")
	ready, comps := r.Status()
	if ready || len(comps) != 2 || comps[0].Name != "discord" || comps[0].Ready || comps[0].Reason != "starting" || !comps[1].Ready {
		t.Fatalf("one down: %v %+v", ready, comps)
	}
	start := comps[0].Since
	clock.Advance(time.Minute)
	r.Set("discord", false, "gateway closed 4014")
	_, comps = r.Status()
	if !comps[0].Since.Equal(start) || comps[0].Reason != "gateway closed 4014" {
		t.Fatalf("a new reason moved Since or was lost: %+v", comps[0])
	}
	r.Set("discord", true, "")
	ready, comps = r.Status()
	if !ready || !comps[0].Since.Equal(start.Add(time.Minute)) {
		t.Fatalf("all up: %v %+v", ready, comps)
	}
}
