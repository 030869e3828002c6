package discord_test

import (
	"context"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/adapters/discord"
	"github.com/jayaya/jayayacrm/adapters/discord/discordtest"
	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestOneReplicaHoldsTheGateway runs two replicas on one PostgreSQL: only
// the one holding the advisory lock connects to the gateway; when it
// stops, the other takes over.
func TestOneReplicaHoldsTheGateway(t *testing.T) {
	t.Parallel()
	st := coretest.MustOpenPostgres(t)
	srv := discordtest.Start(t, discordtest.Config{HeartbeatInterval: 200 * time.Millisecond})
	seed := srv.Seed()
	replica := func(st *core.Store) (stop func()) {
		relay := &bot.Relay{Store: st, Log: testLog(), DiscordChannel: seed.ChannelID}
		ad, err := discord.New(discord.Config{Token: srv.Token(), GuildID: seed.GuildID, SupportChannel: seed.ChannelID, APIURL: srv.URL()}, relay, testLog())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		closers.Add(1)
		go func() {
			defer closers.Done()
			defer close(done)
			ad.RunExclusive(ctx)
		}()
		return func() { cancel(); <-done }
	}
	stopA := replica(st)
	if !srv.WaitFor(func() bool { return srv.GatewayStats().Identifies == 1 }, waitTimeout) {
		t.Fatal("first replica did not connect")
	}
	other, err := core.Open(context.Background(), st.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	stopB := replica(other)
	defer stopB()
	eventually(t, "the second replica waiting for the gateway lock", func() bool {
		n, err := st.DB.NewSelect().TableExpr("pg_stat_activity").
			Where("datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%pg_advisory_lock%'").Count(context.Background())
		return err == nil && n == 1
	})
	if st := srv.GatewayStats(); st.Identifies != 1 {
		t.Fatalf("two replicas connected: %+v", st)
	}
	stopA()
	if !srv.WaitFor(func() bool { return srv.GatewayStats().Identifies == 2 && srv.GatewayStats().Connected }, waitTimeout) {
		t.Fatalf("second replica did not take over: %+v", srv.GatewayStats())
	}
}
