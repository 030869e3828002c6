package slack

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
)

// TestRespondErrorHidesTheResponseURL: a response_url lets anyone answer
// in the channel, so a failed post to it (the connection refused) returns
// an error naming its origin only.
func TestRespondErrorHidesTheResponseURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there any more
	a := New(Config{BotToken: "xoxb-test"}, nil, nil, slog.New(slog.DiscardHandler))
	secret := "/commands/T0TEAM/1234/s3cr3tHookToken"
	err = a.respond(context.Background(), "http://"+addr+secret, bot.Reply{Text: "late answer"})
	if err == nil {
		t.Fatal("a post to a closed port succeeded")
	}
	if strings.Contains(err.Error(), "s3cr3tHookToken") || !strings.Contains(err.Error(), "http://"+addr+"/…") {
		t.Errorf("error %q", err)
	}
}
