package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// BenchmarkLoginRefusal reports how long the panel takes to refuse an
// unknown login and a wrong password (they should be close: both pay for
// one argon2id check). It reports; it asserts nothing about speed.
func BenchmarkLoginRefusal(b *testing.B) {
	st := coretest.MustOpenSQLite(b)
	if _, err := st.CreateUser(context.Background(), core.NewUser{Login: "ada", Name: "Ada", Role: core.RoleAdmin, Password: testPassword}); err != nil {
		b.Fatal(err)
	}
	srv := serve(b, st, "")
	for _, c := range []struct{ name, login string }{{"unknown-login", "nobody"}, {"wrong-password", "ada"}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if i%4 == 3 { // keep the lockout out of the measure
					if _, err := st.DB.ExecContext(context.Background(), "DELETE FROM login_failures"); err != nil {
						b.Fatal(err)
					}
				}
				res, err := http.PostForm(srv.URL+"/admin/login", url.Values{"login": {c.login}, "password": {"wrong"}})
				if err != nil {
					b.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusUnauthorized {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
		})
	}
}
