package slack_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/slack-go/slack"

	slackad "github.com/jayaya/jayayacrm/adapters/slack"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/bot"
)

// TestCRMOverSocketMode: the same commands, forms and validation errors
// work when Slack talks over Socket Mode (the answer rides on the ack).
func TestCRMOverSocketMode(t *testing.T) {
	t.Parallel()
	w := postgresWorld(t, false)
	seedContacts(t, w)
	r := bot.NewRouter(w.st, slog.New(slog.DiscardHandler))
	bot.RegisterCRM(r, bot.CRMDeps{})
	cfg := w.srv.Config()
	ad := slackad.New(slackad.Config{BotToken: cfg.BotToken, AppToken: cfg.AppToken, APIURL: w.srv.APIURL()}, w.st, r, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ad.RunSocketMode(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("RunSocketMode: %v", err)
		}
	})
	sock := w.srv.Socket()

	d, err := sock.Command(ctx, slacktest.Command{UserID: w.sam.ID, ChannelID: w.sales.ID, Command: "/crm", Text: `company "Dupont & Fils"`})
	if err != nil || !d.OK() || d.Late() {
		t.Fatalf("command: %v %+v", err, d)
	}
	wantContains(t, "card over the socket", allText(d.Body), "Dupont &amp; Fils", "Jane Roe — CTO")

	if d, err = sock.Command(ctx, slacktest.Command{UserID: w.sam.ID, ChannelID: w.sales.ID, Command: "/crm", Text: "company add"}); err != nil || !d.OK() {
		t.Fatalf("company add: %v %+v", err, d)
	}
	v := w.lastView("company.form")
	d, err = sock.SubmitView(ctx, slacktest.ViewSubmission{ViewID: v.ID, UserID: w.sam.ID, Values: map[string]map[string]slacktest.InputValue{
		"name": {"name": {Value: "Dupont & Fils"}}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := d.ViewResponse()
	if err != nil || resp.ResponseAction != slack.RAErrors || resp.Errors["name"] == "" {
		t.Fatalf("duplicate over the socket: %+v %v (%s)", resp, err, d.Body)
	}
	if w.companyCount() != 3 {
		t.Fatal("a duplicate company was created")
	}
}
