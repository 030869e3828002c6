package core_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

func TestTasksBelongToTheirOwner(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		clock := coretest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		st.Now = clock.Now
		ann := coretest.MustUser(t, st, "ann", core.RoleStaff)
		bob := coretest.MustUser(t, st, "bob", core.RoleStaff)
		due := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
		task, err := st.CreateTask(ctx, ann, core.TaskInput{Title: "Call Acme", Place: "Office", DueAt: due})
		if err != nil {
			t.Fatal(err)
		}
		if task.RemindMinutes != core.DefaultRemindMinutes || !task.DueAt.Equal(due) {
			t.Fatalf("task = %+v", task)
		}
		_, err = st.Task(ctx, bob, task.ID)
		wantCode(t, err, core.ENOTFOUND)
		_, err = st.UpdateTask(ctx, bob, task.ID, core.TaskUpdate{Done: ptr(true)})
		wantCode(t, err, core.ENOTFOUND)
		wantCode(t, st.DeleteTask(ctx, bob, task.ID), core.ENOTFOUND)
		_, err = st.CreateTask(ctx, ann, core.TaskInput{Title: "", DueAt: due})
		wantCode(t, err, core.EINVALID)
		_, err = st.CreateTask(ctx, ann, core.TaskInput{Title: "x"})
		wantCode(t, err, core.EINVALID)

		clock.Advance(time.Hour)
		done, err := st.UpdateTask(ctx, ann, task.ID, core.TaskUpdate{Done: ptr(true)})
		if err != nil || done.DoneAt == nil || !done.DoneAt.Equal(clock.Now()) {
			t.Fatalf("done = %+v, %v", done, err)
		}
		open, _ := st.ListTasks(ctx, ann, core.TaskFilter{Done: ptr(false)})
		if len(open) != 0 {
			t.Fatalf("open tasks = %d", len(open))
		}
		if list, _ := st.ListTasks(ctx, bob, core.TaskFilter{}); len(list) != 0 {
			t.Fatalf("bob sees %d tasks", len(list))
		}
	})
}

func TestLocalTimeAcrossDST(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		y         int
		m         time.Month
		d, hh, mm int
		wantUTC   string
	}{
		{"ordinary winter", 2026, time.January, 10, 9, 30, "2026-01-10T08:30:00Z"},
		{"ordinary summer", 2026, time.July, 10, 9, 30, "2026-07-10T07:30:00Z"},
		{"spring gap moves forward", 2026, time.March, 29, 2, 30, "2026-03-29T01:30:00Z"},    // = 03:30 CEST
		{"autumn repeat takes first", 2026, time.October, 25, 2, 30, "2026-10-25T00:30:00Z"}, // = 02:30 CEST
	}
	for _, c := range cases {
		got := core.LocalTime(c.y, c.m, c.d, c.hh, c.mm, paris).UTC().Format(time.RFC3339)
		if got != c.wantUTC {
			t.Errorf("%s: got %s, want %s", c.name, got, c.wantUTC)
		}
	}
}

func TestTicketsNumbersAndVisibility(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		carl := coretest.MustUser(t, st, "carl", core.RoleClient)
		cora := coretest.MustUser(t, st, "cora", core.RoleClient)
		sam := coretest.MustUser(t, st, "sam", core.RoleStaff)

		// Numbers stay unique and gapless under concurrent opening.
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := st.OpenTicket(ctx, carl, "Printer  on fire", ""); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		all, _ := st.ListTickets(ctx, core.TicketFilter{})
		if len(all) != 10 || all[0].Number != 10 || all[9].Number != 1 {
			t.Fatalf("numbers: %d tickets, first %d last %d", len(all), all[0].Number, all[len(all)-1].Number)
		}
		if all[0].Subject != "Printer on fire" || all[0].Visibility != core.TicketPrivate || all[0].Status != core.TicketOpen {
			t.Fatalf("ticket = %+v", all[0])
		}
		pub, err := st.OpenTicket(ctx, cora, "Public question", core.TicketPublic)
		if err != nil {
			t.Fatal(err)
		}
		_, err = st.OpenTicket(ctx, cora, "x", "secret")
		wantCode(t, err, core.EINVALID)
		_, err = st.OpenTicket(ctx, cora, strings.Repeat("x", 200), "")
		wantCode(t, err, core.EINVALID)

		coraSees, _ := st.ListTickets(ctx, core.TicketFilter{VisibleTo: &cora.ID})
		if len(coraSees) != 1 || coraSees[0].ID != pub.ID {
			t.Fatalf("cora sees %d tickets", len(coraSees))
		}
		carlSees, _ := st.ListTickets(ctx, core.TicketFilter{VisibleTo: &carl.ID})
		if len(carlSees) != 11 {
			t.Fatalf("carl sees %d tickets, want 11", len(carlSees))
		}
		if ok, _ := st.CanRead(ctx, cora, all[0]); ok {
			t.Fatal("cora can read carl's private ticket")
		}
		if ok, _ := st.CanRead(ctx, sam, all[0]); !ok {
			t.Fatal("staff cannot read a ticket")
		}
		if added, _ := st.AddParticipant(ctx, nil, pub.ID, sam.ID); !added {
			t.Fatal("participant not added")
		}
		if added, _ := st.AddParticipant(ctx, nil, pub.ID, sam.ID); added {
			t.Fatal("participant added twice")
		}
		mine, _ := st.ListTickets(ctx, core.TicketFilter{ParticipantID: &sam.ID})
		if len(mine) != 1 {
			t.Fatalf("sam takes part in %d tickets", len(mine))
		}
		parts, _ := st.Participants(ctx, pub.ID)
		if len(parts) != 2 || parts[0].ID != cora.ID {
			t.Fatalf("participants = %v", parts)
		}
		changed, err := st.SetTicketStatus(ctx, nil, pub.ID, core.TicketClosed)
		if err != nil || !changed {
			t.Fatalf("close: %v %v", changed, err)
		}
		if changed, _ := st.SetTicketStatus(ctx, nil, pub.ID, core.TicketClosed); changed {
			t.Fatal("closing twice changed it again")
		}
		_, err = st.SetTicketStatus(ctx, nil, 99999, core.TicketClosed)
		wantCode(t, err, core.ENOTFOUND)
		if err := st.SetTicketThreads(ctx, nil, pub.ID, "123456789012345678", "C1", "1700000000.000100"); err != nil {
			t.Fatal(err)
		}
		if got, err := st.TicketBySlackThread(ctx, "C1", "1700000000.000100"); err != nil || got.ID != pub.ID {
			t.Fatalf("by slack thread: %v %v", got, err)
		}
		if got, err := st.TicketByDiscordThread(ctx, "123456789012345678"); err != nil || got.ID != pub.ID {
			t.Fatalf("by discord thread: %v %v", got, err)
		}
	})
}

func TestMessagesAreStoredOnceWithTheirDeliveries(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		carl := coretest.MustUser(t, st, "carl", core.RoleClient)
		tk, _ := st.OpenTicket(ctx, carl, "Help", "")
		mk := func() (*core.Message, *core.Delivery) {
			return &core.Message{TicketID: tk.ID, AuthorID: &carl.ID, AuthorName: "Carl", Body: "hello",
					SourcePlatform: core.PlatformDiscord, SourceID: "111",
					Attachments: []core.Attachment{{Name: "a.png", URL: "https://cdn/a.png"}}},
				&core.Delivery{Stream: "ticket:1", Kind: "post", Platform: core.PlatformSlack}
		}
		m, d := mk()
		dup, err := st.RecordMessage(ctx, m, d)
		if err != nil || dup {
			t.Fatalf("first record: dup=%v err=%v", dup, err)
		}
		if m.ID == 0 || d.ID == 0 || *d.MessageID != m.ID || *d.TicketID != tk.ID {
			t.Fatalf("ids: message %d delivery %+v", m.ID, d)
		}
		m2, d2 := mk()
		dup, err = st.RecordMessage(ctx, m2, d2)
		if err != nil || !dup {
			t.Fatalf("redelivery: dup=%v err=%v", dup, err)
		}
		msgs, _ := st.TicketMessages(ctx, tk.ID)
		stats, _ := st.OutboxStats(ctx)
		if len(msgs) != 1 || stats.Pending != 1 {
			t.Fatalf("after redelivery: %d messages, %d pending deliveries", len(msgs), stats.Pending)
		}
		if len(msgs[0].Attachments) != 1 || msgs[0].Attachments[0].Name != "a.png" {
			t.Fatalf("attachments = %+v", msgs[0].Attachments)
		}
		// A too-long message is refused and writes nothing.
		m3, d3 := mk()
		m3.SourceID, m3.Body = "112", strings.Repeat("é", core.MaxMessageLen+1)
		_, err = st.RecordMessage(ctx, m3, d3)
		wantCode(t, err, core.EINVALID)
		// A delivery that cannot be written rolls the message back.
		m4, _ := mk()
		m4.SourceID = "113"
		_, err = st.RecordMessage(ctx, m4, &core.Delivery{Platform: core.PlatformSlack})
		if err == nil {
			t.Fatal("bad delivery accepted")
		}
		if _, err := st.MessageBySource(ctx, core.PlatformDiscord, "113"); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("message of a failed transaction was kept: %v", err)
		}
		if err := st.SetMessageTarget(ctx, nil, m.ID, "1700000000.000200"); err != nil {
			t.Fatal(err)
		}
		got, err := st.MessagesByTarget(ctx, tk.ID, "1700000000.000200")
		if err != nil || len(got) != 1 || got[0].ID != m.ID {
			t.Fatalf("by target: %v %v", got, err)
		}
		if seen, _ := st.SeenEvent(ctx, nil, core.PlatformSlack, "Ev1"); seen {
			t.Fatal("fresh event seen")
		}
		if seen, _ := st.SeenEvent(ctx, nil, core.PlatformSlack, "Ev1"); !seen {
			t.Fatal("repeated event not seen")
		}
	})
}

func TestMigrateDownAndUp(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		undone, err := st.MigrateDown(ctx)
		if err != nil || undone == "" {
			t.Fatalf("down: %q %v", undone, err)
		}
		list, err := st.Migrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range list {
			if m.Name+"_"+m.Comment == undone && m.Applied {
				t.Fatalf("%s still applied after migrating down", undone)
			}
		}
		applied, err := st.Migrate(ctx)
		if err != nil || len(applied) != 1 || applied[0] != undone {
			t.Fatalf("up again: %v %v", applied, err)
		}
		if again, err := st.Migrate(ctx); err != nil || len(again) != 0 {
			t.Fatalf("second up: %v %v", again, err)
		}
	})
}
