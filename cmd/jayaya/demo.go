package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/go-chi/chi/v5"
	"github.com/spf13/cobra"

	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/adapters/slack/slacktest"
	"github.com/jayaya/jayayacrm/cmd/jayaya/demo"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// demoWorld is the simulated Slack workspace and Discord guild the demo
// runs the product against, with the people a visitor can act as.
type demoWorld struct {
	slack   *slacktest.Server
	discord *discordtest.Server
	staffCh string // the Slack staff channel
	guild   string
	support string // the Discord support channel

	admin, sam, claire slacktest.User
	emma, henri        demo.Person // Discord clients (ID = Discord user ID)
}

// demo people: login, name, and for clients the e-mail that links them to
// a company of the demo data (so their ticket cards show it).
const (
	demoAdminLogin = "ada"
	demoEmmaEmail  = "emma@greenorchard.example"
	demoHenriEmail = "henri@dupont-fils.example"
)

// newDemoCmd is "jayaya demo".
func newDemoCmd(getenv func(string) string) *cobra.Command {
	var addr, dbURL string
	c := &cobra.Command{
		Use:   "demo",
		Short: "try it: the product on simulated Slack and Discord, shown at /demo/",
		Long: `Try it: run the real product against simulated Slack and Discord, with demo
data, and show both chats side by side at /demo/. Nothing leaves this machine
(loopback only). Without --db the data lives in a temporary SQLite file,
removed at exit (Ctrl-C).`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			addrFrom := "--addr"
			if !c.Flags().Changed("addr") {
				addrFrom = "JAYAYA_ADDR" // its default
			}
			return runDemo(c.Context(), getenv, addr, addrFrom, dbURL, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	c.Flags().StringVar(&addr, "addr", cmp.Or(getenv("JAYAYA_ADDR"), "localhost:8080"), "HTTP listen address, `host:port`")
	c.Flags().StringVar(&dbURL, "db", "", "database `URL` (sqlite://PATH or postgres://…) to keep the demo's data (default: a temporary SQLite file, removed at exit)")
	return c
}

// runDemo runs the whole product against in-process fakes of Slack and
// Discord, with demo data, and serves a page at /demo/ that shows both
// chats side by side. Nothing leaves this machine; without dbURL the data
// lives in a temporary folder removed at exit. addr must be a loopback
// address (addrFrom names where it came from, for the refusal).
func runDemo(ctx context.Context, getenv func(string) string, addr, addrFrom, dbURL string, stdout, stderr io.Writer) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return usagef("--addr: want host:port (like localhost:8080), got %q", addr)
	}
	if !isLoopbackHost(host) {
		return usagef("%s %q is not a loopback address. The demo has no login and its simulated Slack's signing secret is published, "+
			"so anyone who could reach it could read it and act in it: it listens only on this machine "+
			"(localhost:8080, 127.0.0.1:PORT or [::1]:PORT).", addrFrom, addr)
	}

	kept := dbURL != ""
	if kept {
		if err := checkDatabaseURL("--db", dbURL); err != nil {
			return usageError{err}
		}
	} else {
		dir, err := os.MkdirTemp("", "jayaya-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbURL = "sqlite://" + filepath.Join(dir, "demo.db")
	}

	guard, restore := installLoopbackGuard()
	defer restore()
	w, err := newDemoWorld()
	if err != nil {
		return err
	}
	defer w.close()

	cfg, err := w.config(dbURL, addr, "http://"+net.JoinHostPort(host, port), cmp.Or(getenv("JAYAYA_LOG_LEVEL"), "info"))
	if err != nil {
		return usageError{err}
	}
	// JAYAYA_LOCALE, for whoever has no language of their own (the
	// panel's visitors included), as in jayaya serve.
	cfg.Locale = i18n.Pick(i18n.Default, getenv("JAYAYA_LOCALE"))
	log := newLogger(cfg, stderr)
	password := demoPassword()
	page := demo.New(demo.Config{
		Slack: w.slack, Discord: w.discord, StaffChannel: w.staffCh, SupportChannel: w.support,
		Staff:    []demo.Person{{ID: w.sam.ID, Name: w.sam.RealName}, {ID: w.claire.ID, Name: w.claire.RealName}, {ID: w.admin.ID, Name: w.admin.RealName}},
		Clients:  []demo.Person{w.emma, w.henri},
		AdminURL: cfg.PublicURL + "/admin/", AdminLogin: demoAdminLogin,
		Log: log.With("component", "demo"), Locale: cfg.Locale,
	})

	var seeding sync.WaitGroup
	defer seeding.Wait()
	runCtx := ctx
	hooks := serveHooks{
		prepare: func(ctx context.Context, st *core.Store) error { return w.prepareData(ctx, st, password) },
		mount:   func(r chi.Router) { r.Mount("/demo", page.Handler()) },
		// Every route, the panel's and Slack's included, answers only
		// to loopback names (a rebinding page sends its own).
		middleware: demoHostOnly(cfg.Locale, log),
		listening: func(ctx context.Context, addr string) {
			w.slack.SetProductURL("http://" + addr)
			page.Start(ctx)
			printDemoBanner(stdout, cfg, password, kept)
			seeding.Add(1)
			go func(workCtx context.Context) {
				defer seeding.Done()
				switch err := w.seedTicket(workCtx); {
				case err == nil:
					log.Info("demo ticket opened by Emma and answered by Sam")
				case runCtx.Err() == nil: // not because the demo is stopping
					log.Warn("demo ticket not created", "err", err)
				}
			}(ctx)
		},
	}
	err = serve(ctx, cfg, log, hooks)
	if n := guard.Refused(); n > 0 {
		log.Warn("connections outside this machine were refused", "count", n)
	}
	return err
}

// printDemoBanner tells where the demo is, the admin's login and where the
// data lives.
func printDemoBanner(stdout io.Writer, cfg *Config, password string, kept bool) {
	removal := " and removes it"
	if kept {
		removal = ""
	}
	where := cfg.DatabaseURL
	if u, err := url.Parse(where); err == nil {
		where = u.Redacted() // a PostgreSQL password stays off the screen
	}
	fmt.Fprintf(stdout, `JayayaCRM demo: the real product, with Slack and Discord simulated on this machine.
Nothing reaches the real Slack or Discord; "jayaya serve" with real tokens is the production mode.

  demo page     %s/demo/
  admin panel   %s/admin/   login %s, password %s

The data lives in %s; Ctrl-C stops the demo%s.
`, cfg.PublicURL, cfg.PublicURL, demoAdminLogin, password, where, removal)
}

// config is the product's configuration against the world's fakes.
func (w *demoWorld) config(dbURL, addr, publicURL, logLevel string) (*Config, error) {
	cfg := &Config{
		DatabaseURL: dbURL, Addr: addr, PublicURL: publicURL, LogFormat: "text", LogLevel: logLevel,
		SlackBotToken: w.slack.Config().BotToken, SlackSigningSecret: w.slack.Config().SigningSecret,
		SlackStaffChannel: w.staffCh, SlackAPIURL: w.slack.APIURL(),
		DiscordBotToken: w.discord.Token(), DiscordGuildID: w.guild,
		DiscordSupportChannel: w.support, DiscordAPIURL: w.discord.URL(),
		// The fakes enforce the platforms' rate limits: pace as against
		// the real ones.
		Pacing: true,
	}
	return cfg, cfg.validate()
}

// demoPassword is a fresh random password for the demo admin, easy to type.
func demoPassword() string {
	const letters = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 12)
	rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b[:4]) + "-" + string(b[4:8]) + "-" + string(b[8:])
}

// newDemoWorld starts the fakes, loopback only, and fills them: a staff
// channel with three staff members, a support channel with two clients.
// Claire and Henri use Slack and Discord in French (fr-FR in users.info,
// fr in their interactions); the others in English.
func newDemoWorld() (*demoWorld, error) {
	w := &demoWorld{}
	w.slack = slacktest.NewServer(slacktest.Config{TeamName: "Acme Support (simulated)", TeamDomain: "acme-demo"})
	w.discord = discordtest.NewServer(discordtest.Config{BotName: "JayayaCRM"})
	st := w.slack.State()
	w.admin = st.AddUser(slacktest.User{ID: "U0DEMOADA", Name: "ada", RealName: "Ada Admin", TZ: "UTC", IsAdmin: true})
	w.sam = st.AddUser(slacktest.User{ID: "U0DEMOSAM", Name: "sam", RealName: "Sam Okafor", TZ: "UTC"})
	w.claire = st.AddUser(slacktest.User{ID: "U0DEMOCLA", Name: "claire", RealName: "Claire Martin", TZ: "UTC", Locale: "fr-FR"})
	w.staffCh = st.AddChannel(slacktest.Channel{ID: "C0DEMOSTAFF", Name: "support-staff",
		Members: []string{w.admin.ID, w.sam.ID, w.claire.ID}}).ID

	seed := w.discord.Seed()
	w.guild, w.support = seed.GuildID, seed.ChannelID
	for _, c := range []struct {
		p      *demo.Person
		name   string
		locale discordgo.Locale
	}{{&w.emma, "Emma Hughes", discordgo.EnglishGB}, {&w.henri, "Henri Dupont", discordgo.French}} {
		u := w.discord.AddUser(c.name)
		err := w.discord.AddMember(w.guild, u.ID)
		if err == nil {
			err = w.discord.SetUserLocale(u.ID, c.locale)
		}
		if err != nil {
			w.close()
			return nil, err
		}
		*c.p = demo.Person{ID: u.ID, Name: c.name}
	}
	return w, nil
}

func (w *demoWorld) close() {
	w.slack.Close()
	w.discord.Close()
}

// prepareData loads the demo data into an empty database, creates the
// demo's users (or, in a kept database, links them to this run's fake IDs
// and gives the admin the new password) and a task of Sam's whose reminder
// falls due within two minutes. Claire and Henri's language is French,
// Sam and Emma's English; the admin has none, so that the panel follows
// the visitor's browser.
func (w *demoWorld) prepareData(ctx context.Context, st *core.Store, password string) error {
	n, err := st.CountCompanies(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		if err := smallDemo(ctx, st); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	users := []core.NewUser{
		{Login: demoAdminLogin, Name: w.admin.RealName, Role: core.RoleAdmin, SlackID: w.admin.ID, Password: password, Email: "ada@acme.example"},
		{Login: "sam", Name: w.sam.RealName, Role: core.RoleStaff, SlackID: w.sam.ID, Email: "sam@acme.example", Locale: "en"},
		{Login: "claire", Name: w.claire.RealName, Role: core.RoleStaff, SlackID: w.claire.ID, Email: "claire@acme.example", Locale: "fr"},
		{Login: "emma", Name: w.emma.Name, Role: core.RoleClient, DiscordID: w.emma.ID, Email: demoEmmaEmail, Locale: "en"},
		{Login: "henri", Name: w.henri.Name, Role: core.RoleClient, DiscordID: w.henri.ID, Email: demoHenriEmail, Locale: "fr"},
	}
	var sam *core.User
	for _, nu := range users {
		u, err := st.UserByLogin(ctx, nu.Login)
		switch {
		case core.ErrorCode(err) == core.ENOTFOUND:
			u, err = st.CreateUser(ctx, nu)
		case err == nil:
			up := core.UserUpdate{SlackID: &nu.SlackID, DiscordID: &nu.DiscordID}
			if nu.Password != "" {
				up.Password = &nu.Password
			}
			if nu.Locale != "" {
				up.Locale = &nu.Locale
			}
			u, err = st.UpdateUser(ctx, u.ID, up)
		}
		if err != nil {
			return fmt.Errorf("demo user %s: %w", nu.Login, err)
		}
		if nu.Login == "sam" {
			sam = u
		}
	}
	remind := 2
	_, err = st.CreateTask(ctx, sam, core.TaskInput{
		Title: "Call Emma about the cold-chain logger", Place: "Phone",
		DueAt:         st.Now().Add(3 * time.Minute).Truncate(time.Minute),
		RemindMinutes: &remind, Description: "Green Orchard's crates arrived warm; the carrier sends the logger data.",
	})
	return err
}

// The demo ticket's short history.
const (
	demoOpening = "Hello! Our delivery of 12 crates arrived this morning at 9°C instead of 4°C. Can someone check the temperature logger?"
	demoReply   = "Sorry about that, Emma. I have asked the carrier for the logger data and will come back to you today."
	demoNote    = "note: the carrier is Rossi Trasporti; Giulia Bianchi handles claims."
)

// seedTicket opens the demo ticket the way a client does, by writing in
// the support channel, and answers it from Slack: a reply to the client
// and an internal note. It waits for the product at each step.
func (w *demoWorld) seedTicket(ctx context.Context) error {
	wait := func(what string, cond func() bool) error {
		deadline := time.Now().Add(time.Minute)
		for !w.discord.WaitFor(cond, time.Second) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("timed out waiting for %s", what)
			}
		}
		return nil
	}
	if err := wait("the product's Discord session", func() bool {
		return w.discord.GatewayStats().Connected && len(w.discord.Commands(w.guild)) > 0
	}); err != nil {
		return err
	}
	threads := len(w.discord.Threads(w.support))
	if _, err := w.discord.SendUserMessage(discordtest.UserMessage{ChannelID: w.support, AuthorID: w.emma.ID, Content: demoOpening}); err != nil {
		return err
	}
	if err := wait("the ticket's Discord thread", func() bool { return len(w.discord.Threads(w.support)) > threads }); err != nil {
		return err
	}
	var root string
	slackCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := w.slack.State().Await(slackCtx, func(st *slacktest.State) bool {
		for _, m := range st.Messages(w.staffCh) {
			if m.BotID != "" && !m.IsReply() {
				root = m.TS
			}
		}
		return root != "" && len(st.Thread(w.staffCh, root)) > 1 // the card and the client's message
	})
	if err != nil {
		return err
	}
	for _, text := range []string{demoReply, demoNote} {
		if _, _, err := w.slack.HTTP().PostAsUser(ctx, slacktest.UserPost{User: w.sam.ID, Channel: w.staffCh, ThreadTS: root, Text: text}); err != nil {
			return err
		}
	}
	return nil
}
