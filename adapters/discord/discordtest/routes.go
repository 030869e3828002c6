package discordtest

import "strings"

// buildRoutes lists the REST endpoints the fake answers, relative to
// /api/v9. Literal segments must come before wildcards at the same place.
func (s *Server) buildRoutes() []*route {
	type r = route
	list := []*r{
		{method: "GET", pattern: "/gateway", public: true, handle: s.getGateway},
		{method: "GET", pattern: "/gateway/bot", handle: s.getGatewayBot},

		{method: "GET", pattern: "/users/@me", handle: s.getUser},
		{method: "POST", pattern: "/users/@me/channels", handle: s.createDM},
		{method: "GET", pattern: "/users/{user}", handle: s.getUser},
		{method: "GET", pattern: "/applications/@me", handle: s.getApplication},
		{method: "GET", pattern: "/oauth2/applications/@me", handle: s.getApplication},

		{method: "GET", pattern: "/guilds/{guild}", handle: s.getGuild},
		{method: "GET", pattern: "/guilds/{guild}/channels", handle: s.getGuildChannels},
		{method: "GET", pattern: "/guilds/{guild}/threads/active", handle: s.getActiveThreads},
		{method: "GET", pattern: "/guilds/{guild}/members", handle: s.listGuildMembers},
		{method: "GET", pattern: "/guilds/{guild}/members/{user}", handle: s.getGuildMember},
		{method: "GET", pattern: "/guilds/{guild}/roles", handle: s.getGuildRoles},

		{method: "GET", pattern: "/channels/{channel}", handle: s.getChannel},
		{method: "PATCH", pattern: "/channels/{channel}", handle: s.patchChannel},
		{method: "DELETE", pattern: "/channels/{channel}", handle: s.deleteChannel},
		{method: "POST", pattern: "/channels/{channel}/typing", handle: s.typing},
		{method: "GET", pattern: "/channels/{channel}/messages", handle: s.listMessages},
		{method: "POST", pattern: "/channels/{channel}/messages", handle: s.createMessage},
		{method: "GET", pattern: "/channels/{channel}/messages/{message}", handle: s.getMessage},
		{method: "PATCH", pattern: "/channels/{channel}/messages/{message}", handle: s.editMessage},
		{method: "DELETE", pattern: "/channels/{channel}/messages/{message}", handle: s.deleteMessage},
		{method: "PUT", pattern: "/channels/{channel}/messages/{message}/reactions/{emoji}/@me", handle: s.reactMessage},
		{method: "DELETE", pattern: "/channels/{channel}/messages/{message}/reactions/{emoji}/@me", handle: s.reactMessage},
		{method: "POST", pattern: "/channels/{channel}/messages/{message}/threads", handle: s.startMessageThread},
		{method: "POST", pattern: "/channels/{channel}/threads", handle: s.startThread},
		{method: "GET", pattern: "/channels/{channel}/thread-members", handle: s.getThreadMembers},
		{method: "GET", pattern: "/channels/{channel}/thread-members/{user}", handle: s.getThreadMembers},
		{method: "PUT", pattern: "/channels/{channel}/thread-members/{user}", handle: s.putThreadMember},
		{method: "DELETE", pattern: "/channels/{channel}/thread-members/{user}", handle: s.deleteThreadMember},
		{method: "GET", pattern: "/channels/{channel}/webhooks", handle: s.listWebhooks},
		{method: "POST", pattern: "/channels/{channel}/webhooks", handle: s.createWebhook},

		{method: "GET", pattern: "/webhooks/{webhook}", handle: s.getWebhook},
		{method: "DELETE", pattern: "/webhooks/{webhook}", handle: s.deleteWebhook},
		{method: "GET", pattern: "/webhooks/{webhook}/{token}", public: true, handle: s.getWebhook},
		{method: "DELETE", pattern: "/webhooks/{webhook}/{token}", public: true, handle: s.deleteWebhook},
		{method: "POST", pattern: "/webhooks/{webhook}/{token}", public: true, handle: s.executeWebhook},
		{method: "GET", pattern: "/webhooks/{webhook}/{token}/messages/{message}", public: true, handle: s.webhookMessage},
		{method: "PATCH", pattern: "/webhooks/{webhook}/{token}/messages/{message}", public: true, handle: s.webhookMessage},
		{method: "DELETE", pattern: "/webhooks/{webhook}/{token}/messages/{message}", public: true, handle: s.webhookMessage},

		{method: "POST", pattern: "/interactions/{interaction}/{token}/callback", public: true, handle: s.interactionCallback},

		{method: "GET", pattern: "/applications/{app}/commands", handle: s.getCommands},
		{method: "PUT", pattern: "/applications/{app}/commands", handle: s.overwriteCommands},
		{method: "POST", pattern: "/applications/{app}/commands", handle: s.createCommand},
		{method: "GET", pattern: "/applications/{app}/commands/{command}", handle: s.getCommands},
		{method: "DELETE", pattern: "/applications/{app}/commands/{command}", handle: s.deleteCommand},
		{method: "GET", pattern: "/applications/{app}/guilds/{guild}/commands", handle: s.getCommands},
		{method: "PUT", pattern: "/applications/{app}/guilds/{guild}/commands", handle: s.overwriteCommands},
		{method: "POST", pattern: "/applications/{app}/guilds/{guild}/commands", handle: s.createCommand},
		{method: "GET", pattern: "/applications/{app}/guilds/{guild}/commands/{command}", handle: s.getCommands},
		{method: "DELETE", pattern: "/applications/{app}/guilds/{guild}/commands/{command}", handle: s.deleteCommand},
	}
	for _, rt := range list {
		rt.segs = strings.Split(strings.Trim(rt.pattern, "/"), "/")
	}
	return list
}
