package slacktest_test

import (
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
)

func ticketModal(title string) slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, title, false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Save", false, false),
		CallbackID:      "ticket_edit",
		PrivateMetadata: "ticket:42",
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("subject", slack.NewTextBlockObject(slack.PlainTextType, "Subject", false, false), nil,
				slack.NewPlainTextInputBlockElement(nil, "subject_input")),
		}},
	}
}

func TestViewsOpenTrigger(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	ctx := t.Context()
	st := w.srv.State()

	trigger := st.IssueTrigger(w.alice.ID)
	res, err := w.api.OpenViewContext(ctx, trigger, ticketModal("Edit ticket"))
	if err != nil {
		t.Fatal(err)
	}
	if res.ID == "" || res.CallbackID != "ticket_edit" || res.PrivateMetadata != "ticket:42" || res.Hash == "" {
		t.Errorf("view = %+v", res.View)
	}
	v, ok := st.View(res.ID)
	if !ok || v.UserID != w.alice.ID || v.TriggerID != trigger {
		t.Errorf("stored view = %+v", v)
	}

	tests := []struct {
		name    string
		trigger func() string
		code    string
	}{
		{"used twice", func() string { return trigger }, "exchanged_trigger_id"},
		{"older than 3 s", func() string {
			old := st.IssueTrigger(w.alice.ID)
			w.srv.Advance(3*time.Second + time.Millisecond)
			return old
		}, "expired_trigger_id"},
		{"never issued", func() string { return "123.456.abc" }, "invalid_arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.api.OpenViewContext(ctx, tt.trigger(), ticketModal("Edit ticket"))
			wantCode(t, err, tt.code)
		})
	}
}

func TestViewsUpdateAndPush(t *testing.T) {
	w := newWorkspace(t, slacktest.Config{})
	ctx := t.Context()
	st := w.srv.State()
	opened := must[*slack.ViewResponse](t)(w.api.OpenViewContext(ctx, st.IssueTrigger(w.alice.ID), ticketModal("One")))

	updated, err := w.api.UpdateViewContext(ctx, ticketModal("Two"), "", opened.Hash, opened.ID)
	if err != nil {
		t.Fatal(err)
	}
	if updated.Hash == opened.Hash || updated.Title.Text != "Two" {
		t.Errorf("updated view = %+v", updated.View)
	}
	_, err = w.api.UpdateViewContext(ctx, ticketModal("Three"), "", opened.Hash, opened.ID)
	wantCode(t, err, "hash_conflict")

	pushed, err := w.api.PushViewContext(ctx, st.IssueTrigger(w.alice.ID), ticketModal("Details"))
	if err != nil {
		t.Fatal(err)
	}
	if pushed.RootViewID != opened.ID || pushed.PreviousViewID != opened.ID {
		t.Errorf("pushed view root %q previous %q, want %q", pushed.RootViewID, pushed.PreviousViewID, opened.ID)
	}
	if v, _ := st.View(opened.ID); v.Updates != 1 {
		t.Errorf("updates = %d", v.Updates)
	}
}
