package admin

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/jayaya/jayayacrm/core"
)

// The Routing page: the rules that send new tickets to Slack channels,
// in the order they are tried, with the default and overflow channels;
// admins add, delete and reorder rules.

// routingData is what routing.html shows.
type routingData struct {
	Rules     []*core.RoutingRule
	Config    RoutingConfig
	Interests []*core.Interest
	// Kinds are the rule kinds, in the order they are tried.
	Kinds []string
}

// routingFields are the form's fields; an error about what the rule
// matches (company, interest, Discord channel) goes beside "match".
var routingFields = []string{"kind", "match", "slack_channel"}

func (s *Server) routingList(w http.ResponseWriter, r *http.Request) {
	s.routingPage(w, r, http.StatusOK, newForm(url.Values{"kind": {core.RuleCompany}}), "")
}

// routingPage renders the rules and the form to add one (f, with top as
// the error about no single field).
func (s *Server) routingPage(w http.ResponseWriter, r *http.Request, status int, f *form, top string) {
	ctx := r.Context()
	rules, err := s.store.ListRoutingRules(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	interests, err := s.store.ListInterests(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "routing.html", &page{Title: s.printer(r).T("routing.page.title"), Nav: "routing", Form: f, Error: top,
		Data: routingData{Rules: rules, Config: s.routing, Interests: interests, Kinds: core.RuleKinds}})
}

// routingCreate adds a rule. Its Slack channel is checked through Slack
// first (the bot must be able to post there); a refused rule is shown
// again with the reason beside its field, and nothing is saved.
func (s *Server) routingCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errUnreadableForm())
		return
	}
	kind, match := r.PostForm.Get("kind"), r.PostForm.Get("match")
	in := core.RoutingRuleInput{SlackChannel: r.PostForm.Get("slack_channel"), SupportChannels: s.routing.DiscordChannels}
	switch kind {
	case core.RuleCompany:
		in.Company = match
	case core.RuleInterest:
		in.Interest = match
	case core.RuleDiscord:
		in.DiscordChannel = match
		if in.SupportChannels == nil {
			in.SupportChannels = []string{} // Discord off: no channel is a support channel
		}
	}
	rule, err := s.store.CreateRoutingRuleAs(r.Context(), actor(r), in)
	if err != nil {
		if code := core.ErrorCode(err); code == core.EINTERNAL {
			s.fail(w, r, err)
			return
		}
		f := newForm(url.Values{"kind": {kind}, "match": {match}, "slack_channel": {in.SlackChannel}})
		var e *core.Error
		if errors.As(err, &e) {
			switch e.Field {
			case "company", "interest", "discord_channel":
				named := *e
				named.Field = "match"
				err = &named
			}
		}
		top := f.setError(err, s.locale(r), routingFields...)
		s.routingPage(w, r, httpStatus(err), f, top)
		return
	}
	s.log.Info("admin: routing rule created", "rule", rule.ID, "kind", rule.Kind, "channel", rule.SlackChannelID, "by", currentUser(r).ID)
	redirect(w, r, "/admin/routing?done=route-created")
}

// routingMove moves a rule up or down among the rules of its kind.
func (s *Server) routingMove(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errUnreadableForm())
		return
	}
	dir := r.PostForm.Get("dir")
	if dir != "up" && dir != "down" {
		s.fail(w, r, errUnreadableForm())
		return
	}
	if _, err := s.store.MoveRoutingRuleAs(r.Context(), actor(r), id, dir == "up"); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/admin/routing?done=route-moved")
}

// routingDelete deletes a rule; tickets it routed keep their channel.
func (s *Server) routingDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rule, err := s.store.DeleteRoutingRuleAs(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("admin: routing rule deleted", "rule", rule.ID, "by", currentUser(r).ID)
	redirect(w, r, "/admin/routing?done=route-deleted")
}
