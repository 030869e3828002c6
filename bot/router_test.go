package bot_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		err  bool
	}{
		{`company acme`, []string{"company", "acme"}, false},
		{`company "Dupont & Fils"  share`, []string{"company", "Dupont & Fils", "share"}, false},
		{`company “Société Générale”`, []string{"company", "Société Générale"}, false},
		{`comment "" x`, []string{"comment", "", "x"}, false},
		{`company "oops`, nil, true},
		{"   ", nil, false},
	}
	for _, c := range cases {
		got, err := bot.SplitArgs(c.in)
		if (err != nil) != c.err || !reflect.DeepEqual(got, c.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q (err %v)", c.in, got, err, c.want, c.err)
		}
	}
}

func TestRouterRefusesNonStaffAndDispatches(t *testing.T) {
	st := coretest.MustOpenSQLite(t)
	ctx := context.Background()
	if _, err := st.CreateUser(ctx, core.NewUser{Login: "sam", Name: "Sam", Role: "staff", SlackID: "U0SAM"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, core.NewUser{Login: "carl", Name: "Carl", Role: "client", SlackID: "U0CARL"}); err != nil {
		t.Fatal(err)
	}
	r := bot.NewRouter(st, nil)
	var got *bot.Call
	// Any catalog IDs do for the help lines of a test command.
	r.HandleCommand(bot.Command{Name: "echo", Words: []string{"écho"}, Usage: "crm.comment.usage", Help: "crm.comment.help",
		Fn: func(ctx context.Context, c *bot.Call) bot.Reply {
			got = c
			return bot.Reply{Text: "echo " + c.Rest}
		}})
	r.HandleAction("thing", func(ctx context.Context, c *bot.Call, action, value string) bot.Reply {
		return bot.Reply{Text: action + "=" + value + " by " + c.User.Login}
	})
	sam := bot.Actor{Platform: core.PlatformSlack, UserID: "U0SAM"}
	for _, who := range []string{"U0CARL", "U0NOBODY"} {
		rep := r.Command(ctx, bot.Actor{Platform: core.PlatformSlack, UserID: who}, "echo hi")
		if rep.Text != i18n.T(i18n.EN, bot.Refusal) || got != nil {
			t.Fatalf("%s: reply %q, handler called: %v", who, rep.Text, got != nil)
		}
		if rep := r.Action(ctx, bot.Actor{Platform: core.PlatformSlack, UserID: who}, "thing.x", "1"); rep.Text != i18n.T(i18n.EN, bot.Refusal) {
			t.Fatalf("%s pressed a button: %q", who, rep.Text)
		}
	}
	rep := r.Command(ctx, sam, `echo  "Dupont & Fils" now`)
	if rep.Text != `echo "Dupont & Fils" now` || got.User.Login != "sam" || !reflect.DeepEqual(got.Args, []string{"Dupont & Fils", "now"}) {
		t.Fatalf("reply %q, call %+v", rep.Text, got)
	}
	if rep := r.Command(ctx, sam, "nope"); !strings.Contains(rep.Text, "/crm help") {
		t.Fatalf("unknown command reply %q", rep.Text)
	}
	if rep := r.Command(ctx, sam, `echo "x`); !strings.Contains(rep.Text, "quote") {
		t.Fatalf("malformed command reply %q", rep.Text)
	}
	if rep := r.Command(ctx, sam, "help"); !strings.Contains(rep.Text, i18n.T(i18n.EN, "crm.comment.usage")) {
		t.Fatalf("help = %q", rep.Text)
	}
	// A French word calls the command too, accents optional.
	if rep := r.Command(ctx, sam, "ECHO x"); rep.Text != "echo x" {
		t.Fatalf("ECHO: %q", rep.Text)
	}
	if rep := r.Command(ctx, sam, "écho x"); rep.Text != "echo x" {
		t.Fatalf("écho: %q", rep.Text)
	}
	if rep := r.Action(ctx, sam, "thing.close", "42"); rep.Text != "thing.close=42 by sam" {
		t.Fatalf("action reply %q", rep.Text)
	}
}
