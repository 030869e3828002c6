package bot_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jayaya/jayayacrm/bot"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// The search benchmark: server time of `/crm company <fragment>` and
// `/crm person <fragment>` (the whole command: staff check, search, card or
// list) on PostgreSQL with 100,000 companies and 1,000,000 people. It only
// runs with -bench; the data is generated once per process:
//
//	go test -run '^$' -bench CRMSearch -benchtime 2000x -count 5 ./bot/
//
// JAYAYA_BENCH_COMPANIES and JAYAYA_BENCH_PEOPLE change the sizes.

var (
	benchOnce  sync.Once
	benchStore *core.Store
	benchErr   error
)

func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// benchDB opens the benchmark's PostgreSQL database, named after its sizes
// and kept between runs so that the data is generated only once (about a
// minute for the full size). Drop it with
// `DROP DATABASE jayaya_bench_crm_100000_1000000`.
func benchDB(b *testing.B) *core.Store {
	b.Helper()
	benchOnce.Do(func() { benchStore, benchErr = openBenchDB(b) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchStore
}

func openBenchDB(b *testing.B) (*core.Store, error) {
	ctx := context.Background()
	companies, people := benchSize("JAYAYA_BENCH_COMPANIES", 100_000), benchSize("JAYAYA_BENCH_PEOPLE", 1_000_000)
	name := fmt.Sprintf("jayaya_bench_crm_%d_%d", companies, people)
	admin, err := sql.Open("pgx", coretest.PostgresURL())
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	if err := admin.PingContext(ctx); err != nil {
		b.Skipf("PostgreSQL not reachable: %v", err)
	}
	var exists bool
	if err := admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			return nil, err
		}
	}
	u, err := url.Parse(coretest.PostgresURL())
	if err != nil {
		return nil, err
	}
	u.Path = "/" + name
	st, err := core.Open(ctx, u.String())
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	n, err := st.CountCompanies(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		start := time.Now()
		if err := st.GenerateContacts(ctx, companies, people, 42); err != nil {
			return nil, err
		}
		if _, err := st.CreateUser(ctx, core.NewUser{Login: "bench", Name: "Bench", Role: core.RoleStaff, SlackID: "U0BENCH"}); err != nil {
			return nil, err
		}
		b.Logf("generated %d companies and %d people in %s", companies, people, time.Since(start).Round(time.Millisecond))
	}
	return st, nil
}

// Fragments staff would type: a word or two of a name, with and without
// accents and capitals.
var (
	companyFragments = []string{"golden harbor", "forêt", "FORET wines", "alpine", "beacon log", "noble cedar", "sarl", "bel ete",
		"summit pharma", "quiet", "stone mill", "pacific vine gmbh", "harv", "lantern media", "iron", "willow & co"}
	personFragments = []string{"dupont", "chloé", "chloe dupont", "müller", "muller anna", "mar", "emile", "zoe fon",
		"jürgen weber", "li", "o'brien", "yuki tanaka", "sofía", "garcia", "seán kelly", "priya sh"}
)

func BenchmarkCRMSearch(b *testing.B) {
	st := benchDB(b)
	r := bot.NewRouter(st, nil)
	bot.RegisterCRM(r, bot.CRMDeps{})
	actor := bot.Actor{Platform: core.PlatformSlack, UserID: "U0BENCH"}
	for _, bc := range []struct {
		name  string
		frags []string
	}{{"company", companyFragments}, {"person", personFragments}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			times := make([]time.Duration, 0, b.N)
			worst := map[string]time.Duration{}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				rep := r.Command(ctx, actor, bc.name+" "+bc.frags[i%len(bc.frags)])
				d := time.Since(start)
				times = append(times, d)
				worst[bc.frags[i%len(bc.frags)]] = max(worst[bc.frags[i%len(bc.frags)]], d)
				if strings.HasPrefix(rep.Text, "Sorry") {
					b.Fatalf("%s %s: %s", bc.name, bc.frags[i%len(bc.frags)], rep.Text)
				}
			}
			b.StopTimer()
			slices.Sort(times)
			slowest := ""
			for f, d := range worst {
				if slowest == "" || d > worst[slowest] {
					slowest = f
				}
			}
			b.Logf("slowest fragment: %q (%s)", slowest, worst[slowest].Round(time.Microsecond))
			pct := func(p float64) float64 {
				return float64(times[min(len(times)-1, int(float64(len(times))*p))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(pct(1), "max-ms")
		})
	}
}
