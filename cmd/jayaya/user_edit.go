package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/jayaya/jayayacrm/core"
)

// newUserEditCmd is "jayaya user edit --login L …": the flags of add,
// each given one changing that field only.
func newUserEditCmd(getenv func(string) string) *cobra.Command {
	var in core.NewUser
	var pwStdin bool
	c := &cobra.Command{
		Use:   "edit",
		Short: "change a user's fields",
		Long: `Change the user whose login is --login: each other flag given replaces
that field, the others stay as they are. An empty value clears an optional
field (--email "", --locale "" for no language of their own). The last
admin cannot be demoted.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return userEdit(c, getenv, in, pwStdin)
		},
	}
	userFieldFlags(c, &in, &pwStdin)
	// What add says of its defaults does not apply to a change.
	c.Flags().Lookup("login").Usage = "`L`ogin of the user to change"
	c.Flags().Lookup("time-zone").Usage = "`Z`one: IANA time zone, like Europe/Paris"
	c.Flags().Lookup("locale").Usage = "the user's language, `en|fr`, or \"\" for none of their own"
	requireFlags(c, "login")
	return c
}

// userUpdate is the update the flags given to edit ask for (nil when
// none but --login was given).
func userUpdate(c *cobra.Command, in core.NewUser, pwStdin bool) *core.UserUpdate {
	var up core.UserUpdate
	changed := false
	set := func(flag string, to **string, v string) {
		if c.Flags().Changed(flag) {
			*to, changed = &v, true
		}
	}
	set("name", &up.Name, in.Name)
	set("role", &up.Role, in.Role)
	set("email", &up.Email, in.Email)
	set("phone", &up.Phone, in.Phone)
	set("slack-id", &up.SlackID, in.SlackID)
	set("discord-id", &up.DiscordID, in.DiscordID)
	set("time-zone", &up.TimeZone, in.TimeZone)
	set("locale", &up.Locale, in.Locale)
	if pwStdin {
		up.Password, changed = &in.Password, true
	}
	if !changed {
		return nil
	}
	return &up
}

func userEdit(c *cobra.Command, getenv func(string) string, in core.NewUser, pwStdin bool) error {
	if err := readUserInput(c, &in, pwStdin); err != nil {
		return err
	}
	up := userUpdate(c, in, pwStdin)
	if up == nil {
		return usagef("nothing to change: give at least one field's flag (see jayaya user edit --help)")
	}
	ctx := c.Context()
	st, err := openMigrated(ctx, getenv)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := userByLogin(ctx, st, in.Login)
	if err != nil {
		return err
	}
	if u, err = st.UpdateUser(ctx, u.ID, *up); err != nil {
		return fieldError(c, err, userFlags)
	}
	fmt.Fprintf(c.OutOrStdout(), "updated %s %s (%s)\n", u.Role, u.Login, u.Name)
	return nil
}
