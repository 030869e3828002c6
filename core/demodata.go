package core

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"github.com/jayaya/jayayacrm/core/i18n"
)

// Generated contacts for load tests, benchmarks and `jayaya demo-data`.

var (
	genAdjectives = []string{"Blue", "Golden", "Northern", "Royal", "Green", "Silver", "Alpine", "Atlantic", "Eastern", "Grand",
		"Bright", "Little", "Old", "New", "Red", "Swift", "Quiet", "Western", "Southern", "Central",
		"Pacific", "Urban", "Rural", "Prime", "Noble", "Clear", "Sunny", "Iron", "Stone", "Bel Été"}
	genNouns = []string{"Harbor", "River", "Mountain", "Bridge", "Valley", "Forêt", "Field", "Lake", "Garden", "Tower",
		"Mill", "Castle", "Bay", "Coast", "Hill", "Meadow", "Anchor", "Beacon", "Crown", "Falcon",
		"Fox", "Lion", "Orchard", "Vine", "Wave", "Star", "Summit", "Canyon", "Harvest", "Maple",
		"Cedar", "Pine", "Willow", "Horizon", "Compass", "Arrow", "Lantern", "Quarry", "Spring", "Delta"}
	genTrades = []string{"Logistics", "Wines", "Consulting", "Bakery", "Printing", "Software", "Textiles", "Motors", "Foods", "Pharma",
		"Design", "Energy", "Insurance", "Builders", "Travel", "Media", "Dairy", "Tools", "Optics", "Furniture"}
	genSuffixes = []string{"SARL", "SAS", "Ltd", "GmbH", "& Co", "& Fils", "Group", "Inc", "SA", "BV"}
	genFirst    = []string{"Jean", "Marie", "Pierre", "Sophie", "Luc", "Chloé", "Émile", "Zoë", "François", "Hélène",
		"Anna", "Jürgen", "Lars", "Ingrid", "Marco", "Giulia", "Pablo", "Lucía", "Tom", "Emma",
		"Oliver", "Amelia", "Noah", "Mia", "Liam", "Olivia", "Lucas", "Léa", "Hugo", "Inès",
		"Mohamed", "Fatima", "Yuki", "Hiro", "Wei", "Mei", "Raj", "Priya", "Kofi", "Ama",
		"Sven", "Astrid", "Mateo", "Sofía", "Jakub", "Zuzana", "Ahmet", "Elif", "Dmitri", "Olga",
		"Seán", "Aoife", "Nils", "Björn", "Camille", "Julien", "Manon", "Théo", "Clara", "Paul"}
	genLast = []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
		"Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
		"Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martínez",
		"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
		"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
		"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
		"Rodríguez", "López", "González", "Pérez", "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez",
		"Nakamura", "Tanaka", "Suzuki", "Watanabe", "Chen", "Wang", "Li", "Zhang", "Kumar", "Sharma",
		"Nowak", "Kowalski", "Novák", "Svoboda", "Yılmaz", "Kaya", "Ivanov", "Petrov", "Hansen", "Johansson",
		"Andersen", "Nielsen", "Jensen", "Larsen", "O'Brien", "Murphy", "Kelly", "Walsh", "Dupuis", "Fontaine",
		"Chevalier", "Blanc", "Guerin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu",
		"Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Rousseau", "Garnier", "Faure", "Brun", "Mercier"}
	genTitles = []string{"CEO", "CFO", "Sales manager", "Buyer", "Office manager", "Engineer", "Accountant", "Head of IT",
		"Project manager", "Assistant", "Owner", "Marketing lead", "Logistics manager", "Consultant", ""}
)

// DemoInterests are the interests demo data uses, with their colours.
var DemoInterests = [][2]string{
	{"Logistics", "#1E88E5"}, {"Wine", "#8E244D"}, {"Software", "#43A047"}, {"Events", "#FB8C00"},
	{"Export", "#FDD835"}, {"Organic", "#7CB342"}, {"Finance", "#6D4C41"}, {"Training", "#8E24AA"},
}

// GeneratedCompanyName is the i-th generated company name: distinct for
// i below 240,000 ("Golden Harbor Wines SARL"), numbered beyond.
func GeneratedCompanyName(i int) string {
	total := len(genAdjectives) * len(genNouns) * len(genTrades) * len(genSuffixes)
	k := (i % total) * 7919 % total // 7919 is prime and does not divide total: a permutation
	a := k % len(genAdjectives)
	k /= len(genAdjectives)
	n := k % len(genNouns)
	k /= len(genNouns)
	t := k % len(genTrades)
	k /= len(genTrades)
	s := k % len(genSuffixes)
	name := genAdjectives[a] + " " + genNouns[n] + " " + genTrades[t] + " " + genSuffixes[s]
	if i >= total {
		name += fmt.Sprintf(" %d", i/total+1)
	}
	return name
}

// GenerateContacts inserts companies generated companies and people
// generated people (about 80% linked to one company, 5% to two, the rest
// independent), with the demo interests spread over the companies. It is
// fast: COPY on PostgreSQL, multi-row inserts on SQLite. The database must
// have no companies yet, so generated names cannot clash (ECONFLICT).
func (s *Store) GenerateContacts(ctx context.Context, companies, people int, seed uint64) error {
	if companies < 1 || people < 0 {
		return InvalidE("companies", "core.demo.companies_min")
	}
	if n, err := s.CountCompanies(ctx); err != nil {
		return err
	} else if n > 0 {
		return EMsg(ECONFLICT, i18n.MN("core.demo.not_empty", n))
	}
	interests, err := s.ensureDemoInterests(ctx)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	now := s.now()
	var baseCo, basePe int64
	if err := s.DB.NewRaw("SELECT coalesce(max(id), 0) FROM companies").Scan(ctx, &baseCo); err != nil {
		return err
	}
	if err := s.DB.NewRaw("SELECT coalesce(max(id), 0) FROM people").Scan(ctx, &basePe); err != nil {
		return err
	}
	companyRow := func(i int) []any {
		c := &Company{}
		_ = c.setName(GeneratedCompanyName(i))
		slug := strings.ReplaceAll(c.NameKey, " ", "-")
		return []any{baseCo + int64(i) + 1, c.Name, c.NameKey, c.Search, fmt.Sprintf("%d rue du Commerce, Lyon", i%200+1),
			fmt.Sprintf("+33 4 %02d %02d %02d %02d", i%100, i/100%100, i/10000%100, rng.IntN(100)),
			"contact@" + slug + ".example", "https://" + slug + ".example", now, now}
	}
	personRow := func(i int) []any {
		first, last := genFirst[rng.IntN(len(genFirst))], genLast[rng.IntN(len(genLast))]
		p := &Person{}
		_ = p.apply(PersonUpdate{FirstName: &first, LastName: &last})
		mail := strings.ReplaceAll(p.Search, " ", ".") + fmt.Sprintf(".%d@mail.example", i)
		return []any{basePe + int64(i) + 1, first, last, p.Search, mail, fmt.Sprintf("+44 20 %04d %04d", i%10000, i/10000%10000),
			genTitles[rng.IntN(len(genTitles))], now, now}
	}
	// Links: per person 0, 1 or 2 companies; per company 0-2 interests.
	var links [][]any
	for i := 0; i < people; i++ {
		r := rng.IntN(100)
		if r < 15 {
			continue
		}
		c1 := baseCo + int64(rng.IntN(companies)) + 1
		links = append(links, []any{c1, basePe + int64(i) + 1, ""})
		if r >= 95 && companies > 1 {
			c2 := baseCo + int64(rng.IntN(companies)) + 1
			if c2 != c1 {
				links = append(links, []any{c2, basePe + int64(i) + 1, ""})
			}
		}
	}
	var tags [][]any
	for i := 0; i < companies; i++ {
		n := rng.IntN(3)
		first := rng.IntN(len(interests))
		for j := 0; j < n; j++ {
			tags = append(tags, []any{baseCo + int64(i) + 1, interests[(first+j)%len(interests)].ID})
		}
	}
	tables := []struct {
		name string
		cols []string
		n    int
		row  func(i int) []any
	}{
		{"companies", []string{"id", "name", "name_key", "search", "address", "phone", "email", "website", "created_at", "updated_at"}, companies, companyRow},
		{"people", []string{"id", "first_name", "last_name", "search", "email", "phone", "job_title", "created_at", "updated_at"}, people, personRow},
		{"company_people", []string{"company_id", "person_id", "job_title"}, len(links), func(i int) []any { return links[i] }},
		{"company_interests", []string{"company_id", "interest_id"}, len(tags), func(i int) []any { return tags[i] }},
	}
	for _, t := range tables {
		var err error
		if s.engine == EnginePostgres {
			err = s.copyRows(ctx, t.name, t.cols, t.n, t.row)
		} else {
			err = s.insertRows(ctx, t.name, t.cols, t.n, t.row)
		}
		if err != nil {
			return fmt.Errorf("generate %s: %w", t.name, err)
		}
	}
	if s.engine == EnginePostgres {
		for _, t := range []string{"companies", "people"} {
			if _, err := s.DB.ExecContext(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s))", t, t)); err != nil {
				return err
			}
			if _, err := s.DB.ExecContext(ctx, "ANALYZE "+t); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyRows loads rows with PostgreSQL's COPY through pgx.
func (s *Store) copyRows(ctx context.Context, table string, cols []string, n int, row func(i int) []any) error {
	conn, err := s.DB.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("not a pgx connection: %T", dc)
		}
		_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) { return row(i), nil }))
		return err
	})
}

// insertRows loads rows with multi-row INSERTs in one transaction.
func (s *Store) insertRows(ctx context.Context, table string, cols []string, n int, row func(i int) []any) error {
	const batch = 500
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		for start := 0; start < n; start += batch {
			end := min(start+batch, n)
			var args []any
			vals := make([]string, 0, end-start)
			for i := start; i < end; i++ {
				args = append(args, row(i)...)
				vals = append(vals, one)
			}
			q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + strings.Join(vals, ", ")
			if _, err := tx.NewRaw(q, args...).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// ensureDemoInterests creates the demo interests that do not exist yet and
// returns them all.
func (s *Store) ensureDemoInterests(ctx context.Context) ([]*Interest, error) {
	var out []*Interest
	for _, d := range DemoInterests {
		in := new(Interest)
		err := s.DB.NewSelect().Model(in).Where("name_key = ?", strings.ToLower(d[0])).Scan(ctx)
		if err == sql.ErrNoRows {
			in, err = s.CreateInterest(ctx, d[0], d[1])
		}
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// ImportComment records a comment as written by someone who need not be a
// user (imports and demo data), at a given time. Errors: EINVALID, ENOTFOUND.
func (s *Store) ImportComment(ctx context.Context, companyID int64, authorName, body string, at time.Time) (*Comment, error) {
	b, err := text("body", "core.field.comment", body, 4000, true)
	if err != nil {
		return nil, err
	}
	name, err := text("author_name", "core.field.author", authorName, 200, true)
	if err != nil {
		return nil, err
	}
	if _, err := companyByID(ctx, s.DB, companyID); err != nil {
		return nil, err
	}
	c := &Comment{CompanyID: companyID, AuthorName: name, Body: b, CreatedAt: at.UTC().Truncate(time.Microsecond)}
	if _, err := s.DB.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
		return nil, err
	}
	return c, nil
}
