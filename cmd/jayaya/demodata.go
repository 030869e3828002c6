package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/jayaya/jayayacrm/core"
)

// newDemoDataCmd is "jayaya demo-data".
func newDemoDataCmd(getenv func(string) string) *cobra.Command {
	var o demoDataOptions
	c := &cobra.Command{
		Use:   "demo-data --small | --companies N --people M",
		Short: "fill an empty database with contacts to try or measure",
		Long: `Fill an empty database with contacts: a dozen realistic companies with
people, interests and comments to try /crm at once (--small), or N companies
and M people generated in bulk for load tests (COPY on PostgreSQL). Refuses
a database that already has companies (exit 1, nothing changed).`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDemoData(c, getenv, o)
		},
	}
	f := c.Flags()
	f.BoolVar(&o.small, "small", false, "a dozen realistic companies, people, interests and comments")
	f.IntVar(&o.companies, "companies", 0, "`N` generated companies")
	f.IntVar(&o.people, "people", 0, "`M` generated people")
	f.Uint64Var(&o.seed, "seed", 1, "`S`eed of the random generator")
	return c
}

// demoDataOptions are the flags of demo-data.
type demoDataOptions struct {
	small             bool
	companies, people int
	seed              uint64
}

// runDemoData fills an empty database with contacts to try the product
// (small: a dozen realistic companies with people, interests and
// comments) or to measure it (companies and people, generated in bulk).
// It refuses a database that already has companies, so it never runs twice.
func runDemoData(c *cobra.Command, getenv func(string) string, o demoDataOptions) error {
	if o.small == (o.companies > 0) || o.companies < 0 || o.people < 0 || (o.small && o.people > 0) {
		return usagef("give either --small or --companies N (with --people M)")
	}
	ctx := c.Context()
	st, err := openMigrated(ctx, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.CountCompanies(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the database already has %d companies; demo data only goes into an empty one (nothing was changed)", n)
	}
	start := time.Now()
	if o.small {
		err = smallDemo(ctx, st)
	} else {
		err = st.GenerateContacts(ctx, o.companies, o.people, o.seed)
	}
	if err != nil {
		return fieldError(c, err, nil)
	}
	if o.small {
		people, comments := len(independents), 0
		for _, dc := range demoCompanies {
			people += len(dc.people)
			comments += len(dc.comments)
		}
		fmt.Fprintf(c.OutOrStdout(), "added %d companies, %d people (%d independent), %d interests and %d comments; try /crm company dupont\n",
			len(demoCompanies), people, len(independents), len(core.DemoInterests), comments)
	} else {
		fmt.Fprintf(c.OutOrStdout(), "generated %d companies and %d people in %s\n", o.companies, o.people, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

type demoCompany struct {
	name, address, phone, email, website string
	interests                            []string
	people                               [][3]string // first, last, job title
	comments                             [][2]string // author, text
}

var demoCompanies = []demoCompany{
	{"Dupont & Fils", "12 rue des Vignes, 21200 Beaune", "+33 3 80 22 14 50", "contact@dupont-fils.example", "dupont-fils.example",
		[]string{"Wine", "Export"}, [][3]string{{"Henri", "Dupont", "Owner"}, {"Camille", "Dupont", "Export manager"}},
		[][2]string{{"Claire Martin", "Met Henri at the Beaune fair; they want to ship to Japan next spring."}, {"Tom Baker", "Sent the quote for 40 pallets, waiting for an answer."}}},
	{"Société Générale de Transport", "5 quai Perrache, 69002 Lyon", "+33 4 72 10 20 30", "info@sgt-lyon.example", "sgt-lyon.example",
		[]string{"Logistics"}, [][3]string{{"Inès", "Benali", "Logistics manager"}, {"Marc", "Rey", "Dispatcher"}},
		[][2]string{{"Claire Martin", "Their trucks handle our Rhône-Alpes deliveries; contract renewal in March."}}},
	{"Müller Maschinenbau GmbH", "Industriestraße 8, 70565 Stuttgart", "+49 711 123 456", "vertrieb@mueller-mb.example", "mueller-mb.example",
		[]string{"Export", "Finance"}, [][3]string{{"Jürgen", "Müller", "CEO"}, {"Anna", "Weber", "Buyer"}},
		[][2]string{{"Tom Baker", "Anna asked for payment in 60 days; finance agreed."}, {"Claire Martin", "Visit planned for the Stuttgart trade show."}}},
	{"Green Orchard Organics", "Hill Farm, Dorchester DT2 9PS", "+44 1305 555 010", "hello@greenorchard.example", "greenorchard.example",
		[]string{"Organic"}, [][3]string{{"Emma", "Hughes", "Founder"}},
		[][2]string{{"Sam Okafor", "Certified organic since 2019; interested in our cold-chain offer."}}},
	{"Atlantic Code Ltd", "3 Harbour Row, Cork", "+353 21 555 0199", "team@atlanticcode.example", "atlanticcode.example",
		[]string{"Software", "Training"}, [][3]string{{"Aoife", "Murphy", "CTO"}, {"Seán", "Kelly", "Developer"}},
		[][2]string{{"Sam Okafor", "They built our booking widget; ask about the training days."}}},
	{"Bodega Rioja Alta", "Avenida de Vizcaya 8, 26200 Haro", "+34 941 310 346", "ventas@riojaalta.example", "riojaalta.example",
		[]string{"Wine"}, [][3]string{{"Lucía", "Gómez", "Sales director"}},
		[][2]string{{"Claire Martin", "Tasting samples arrived; the 2016 reserva was the favourite."}}},
	{"Nordic Events AB", "Sveavägen 20, 111 57 Stockholm", "+46 8 555 123 00", "hej@nordicevents.example", "nordicevents.example",
		[]string{"Events"}, [][3]string{{"Astrid", "Johansson", "Event planner"}, {"Sven", "Larsen", "Technician"}},
		nil},
	{"Café Lumière", "8 place Bellecour, 69002 Lyon", "+33 4 78 00 11 22", "bonjour@cafe-lumiere.example", "cafe-lumiere.example",
		[]string{"Organic", "Events"}, [][3]string{{"Léa", "Moreau", "Manager"}},
		[][2]string{{"Tom Baker", "Small but loyal: orders every Monday."}}},
	{"Rossi Trasporti SpA", "Via Emilia 120, 40026 Imola", "+39 0542 555 777", "info@rossitrasporti.example", "rossitrasporti.example",
		[]string{"Logistics", "Export"}, [][3]string{{"Marco", "Rossi", "Owner"}, {"Giulia", "Bianchi", "Customer service"}},
		[][2]string{{"Sam Okafor", "Backup carrier for Italy; slower but cheaper."}}},
	{"Tanaka Trading KK", "2-1 Marunouchi, Chiyoda, Tokyo", "+81 3 5555 0101", "sales@tanaka-trading.example", "tanaka-trading.example",
		[]string{"Export", "Wine"}, [][3]string{{"Yuki", "Tanaka", "Import manager"}},
		[][2]string{{"Claire Martin", "Importer for Dupont & Fils in Japan; introduce them."}}},
	{"Horizon Finance Partners", "1 Canary Wharf, London E14 5AB", "+44 20 5555 0123", "contact@horizonfp.example", "horizonfp.example",
		[]string{"Finance"}, [][3]string{{"Oliver", "Smith", "Partner"}},
		[][2]string{{"Tom Baker", "Our auditors; year-end review in January."}}},
	{"Académie du Savoir", "14 boulevard Saint-Michel, 75005 Paris", "+33 1 43 55 66 77", "formation@academie-savoir.example", "academie-savoir.example",
		[]string{"Training"}, [][3]string{{"François", "Lefèvre", "Director"}, {"Hélène", "Girard", "Trainer"}},
		[][2]string{{"Sam Okafor", "Runs the onboarding course for our new staff."}, {"Claire Martin", "Asked for a 10% discount on the spring sessions."}}},
}

// independents are demo people linked to no company.
var independents = [][4]string{
	{"Zoë", "Fontaine", "Freelance designer", "zoe@fontaine.example"},
	{"Raj", "Sharma", "Independent consultant", "raj.sharma@mail.example"},
	{"Ama", "Mensah", "Interpreter", "ama.mensah@mail.example"},
}

// smallDemo adds the small demo set through the ordinary services.
func smallDemo(ctx context.Context, st *core.Store) error {
	interests := map[string]int64{}
	list, err := st.ListInterests(ctx)
	if err != nil {
		return err
	}
	for _, in := range list {
		interests[in.Name] = in.ID
	}
	for _, d := range core.DemoInterests {
		if _, ok := interests[d[0]]; ok {
			continue
		}
		in, err := st.CreateInterest(ctx, d[0], d[1])
		if err != nil {
			return err
		}
		interests[in.Name] = in.ID
	}
	at := st.Now().Add(-30 * 24 * time.Hour)
	for _, dc := range demoCompanies {
		in := core.CompanyInput{Name: dc.name, Address: dc.address, Phone: dc.phone, Email: dc.email, Website: dc.website}
		for _, name := range dc.interests {
			in.InterestIDs = append(in.InterestIDs, interests[name])
		}
		co, err := st.CreateCompany(ctx, in)
		if err != nil {
			return fmt.Errorf("%s: %w", dc.name, err)
		}
		domain := strings.TrimPrefix(dc.website, "www.")
		for _, p := range dc.people {
			email := strings.ToLower(core.Fold(p[0])) + "@" + domain
			if _, err := st.CreatePerson(ctx, core.PersonInput{FirstName: p[0], LastName: p[1], JobTitle: p[2], Email: email,
				Companies: []core.PersonLink{{CompanyID: co.ID}}}); err != nil {
				return err
			}
		}
		for _, cm := range dc.comments {
			at = at.Add(26 * time.Hour)
			if _, err := st.ImportComment(ctx, co.ID, cm[0], cm[1], at); err != nil {
				return err
			}
		}
	}
	for _, p := range independents {
		if _, err := st.CreatePerson(ctx, core.PersonInput{FirstName: p[0], LastName: p[1], JobTitle: p[2], Email: p[3]}); err != nil {
			return err
		}
	}
	return nil
}
