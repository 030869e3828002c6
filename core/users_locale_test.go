package core_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
	"github.com/jayaya/jayayacrm/core/i18n"
)

// A user's language is stored in its short form, may be unset, and an
// unknown one is refused with a message in the reader's language,
// changing nothing.
func TestUserLocale(t *testing.T) {
	coretest.ForEachEngine(t, func(t *testing.T, st *core.Store) {
		ctx := context.Background()
		u, err := st.CreateUser(ctx, core.NewUser{Login: "claire", Name: "Claire Martin", Role: "staff", Locale: "fr-FR"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Locale != "fr" {
			t.Fatalf("locale stored as %q, want fr", u.Locale)
		}
		_, err = st.UpdateUser(ctx, u.ID, core.UserUpdate{Locale: ptr("xx")})
		if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != "locale" {
			t.Fatalf("unknown locale: %v", err)
		}
		if fr := core.ErrorMessageIn(err, i18n.FR); !strings.Contains(fr, "«\u202fxx\u202f»") {
			t.Errorf("French message %q", fr)
		}
		if en := core.ErrorMessage(err); !strings.Contains(en, "“xx”") {
			t.Errorf("English message %q", en)
		}
		if got, _ := st.UserByID(ctx, u.ID); got.Locale != "fr" {
			t.Fatalf("a refused update changed the locale to %q", got.Locale)
		}
		u, err = st.UpdateUser(ctx, u.ID, core.UserUpdate{Locale: ptr("")})
		if err != nil || u.Locale != "" {
			t.Fatalf("unset: %v, %q", err, u.Locale)
		}
	})
}

// BadLoginMessage, a constant the panel's tests compare with, is the
// catalog's English text of BadLoginID.
func TestBadLoginMessageIsTheCatalogs(t *testing.T) {
	if got := i18n.T(i18n.EN, core.BadLoginID); got != core.BadLoginMessage {
		t.Fatalf("catalog %q, constant %q", got, core.BadLoginMessage)
	}
}
