package core_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// BenchmarkOpenTicketRouted measures what routing adds to opening a
// ticket, a cost paid while the ticket counter is held (openings are
// serialised there): "plain" is OpenTicketTx alone, as before routing;
// "default" adds RouteTicketTx with no overflow (rule matching only);
// "overflow" adds the active-ticket count over 8 channels. The database
// holds 40 rules (20 companies, 10 interests, 10 Discord channels, none
// matching the opener, who belongs to a company with two interests: the
// worst case, every kind tried) and 400 open tickets over the channels,
// each with a message, half of them idle for two hours. Each opening is
// rolled back, so the load stays the same (PostgreSQL's dead rows are
// vacuumed before each variant; a fixed count of openings keeps them few).
//
//	go test -run '^$' -bench OpenTicketRouted -benchtime 300x -count 5 ./core/
func BenchmarkOpenTicketRouted(b *testing.B) {
	for _, engine := range coretest.Engines {
		b.Run(engine, func(b *testing.B) {
			st := coretest.MustOpenDB(b, engine)
			ctx := context.Background()
			client := routingBenchWorld(b, st)
			channels := []string{"C00", "C01", "C02", "C03", "C04", "C05", "C06", "C07"}
			for _, c := range []struct {
				name  string
				slack *core.SlackRouting
				route bool
			}{
				{"plain", nil, false},
				{"default", &core.SlackRouting{Default: "C00"}, true},
				{"overflow", &core.SlackRouting{Default: "C00", Overflow: channels[1:]}, true},
			} {
				if engine == core.EnginePostgres {
					// Rolled-back openings leave dead rows behind, which
					// the count of open tickets would wade through.
					if _, err := st.DB.ExecContext(ctx, "VACUUM ANALYZE tickets"); err != nil {
						b.Fatal(err)
					}
				}
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						// Rolled back, so that the load stays what it was.
						err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
							t, err := st.OpenTicketTx(ctx, tx, client, "Bench", "")
							if err != nil {
								return err
							}
							if c.route {
								if _, err = st.RouteTicketTx(ctx, tx, t, client, "100000000000000099", c.slack); err != nil {
									return err
								}
							}
							return errRollback
						})
						if !errors.Is(err, errRollback) {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// routingBenchWorld fills st for BenchmarkOpenTicketRouted and returns
// the opener.
func routingBenchWorld(b *testing.B, st *core.Store) *core.User {
	b.Helper()
	ctx := context.Background()
	st.SlackChannels = &channelChecker{}
	var interests []int64
	for i := range 12 {
		in, err := st.CreateInterest(ctx, fmt.Sprintf("Interest %d", i), "#112233")
		if err != nil {
			b.Fatal(err)
		}
		interests = append(interests, in.ID)
	}
	for i := range 20 {
		if _, err := st.CreateCompany(ctx, core.CompanyInput{Name: fmt.Sprintf("Company %d", i)}); err != nil {
			b.Fatal(err)
		}
		mustRule(b, st, core.RoutingRuleInput{Company: fmt.Sprintf("Company %d", i), SlackChannel: "C0RULE"})
	}
	for i := range 10 {
		mustRule(b, st, core.RoutingRuleInput{Interest: fmt.Sprintf("Interest %d", i), SlackChannel: "C0RULE"})
		mustRule(b, st, core.RoutingRuleInput{DiscordChannel: fmt.Sprintf("1000000000000000%02d", i), SlackChannel: "C0RULE"})
	}
	co, err := st.CreateCompany(ctx, core.CompanyInput{Name: "Opener's company", InterestIDs: interests[10:]})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreatePerson(ctx, core.PersonInput{FirstName: "Olga", Email: "olga@example.com", Companies: []core.PersonLink{{CompanyID: co.ID}}}); err != nil {
		b.Fatal(err)
	}
	client, err := st.CreateUser(ctx, core.NewUser{Login: "olga", Name: "Olga", Role: core.RoleClient, Email: "olga@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	// Half the load is idle (opened and written in two hours ago), half
	// active.
	clock := coretest.NewClock(time.Now().Add(-2 * time.Hour))
	st.Now = clock.Now
	defer func() { st.Now = time.Now }()
	for i := range 400 {
		if i == 200 {
			clock.Set(time.Now())
		}
		ch := fmt.Sprintf("C%02d", i%8)
		err := st.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			t, err := st.OpenTicketTx(ctx, tx, client, "Load", "")
			if err != nil {
				return err
			}
			if _, err := tx.NewUpdate().Model((*core.Ticket)(nil)).Set("slack_channel_id = ?", ch).Where("id = ?", t.ID).Exec(ctx); err != nil {
				return err
			}
			_, err = st.RecordMessageTx(ctx, tx, &core.Message{TicketID: t.ID, AuthorName: "Olga", Body: "hello",
				SourcePlatform: core.PlatformDiscord, SourceID: fmt.Sprintf("load-%d", i)})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return client
}

func mustRule(b *testing.B, st *core.Store, in core.RoutingRuleInput) {
	b.Helper()
	if _, err := st.CreateRoutingRuleAs(context.Background(), core.Actor{}, in); err != nil {
		b.Fatal(err)
	}
}

var errRollback = errors.New("rolled back")
