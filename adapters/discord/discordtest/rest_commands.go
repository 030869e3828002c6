package discordtest

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// commandNameRe is Discord's rule for CHAT_INPUT command and option names.
var commandNameRe = regexp.MustCompile(`^[-_\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// commandScopeLocked checks /applications/{app}[/guilds/{guild}] and
// returns the guild ID ("" for global commands).
func (s *Server) commandScopeLocked(c *call) (string, error) {
	if c.param("app") != s.st.botID {
		return "", errMissingAccess()
	}
	gid := c.param("guild")
	if gid != "" {
		if _, err := s.guildForBotLocked(gid); err != nil {
			return "", err
		}
	}
	return gid, nil
}

// nestedFormError is 50035 with the error at a nested path such as
// ["0", "options", "1", "name"].
func nestedFormError(path []string, code, msg string) *APIError {
	e := formError(path[len(path)-1], code, msg)
	for i := len(path) - 2; i >= 0; i-- {
		e.Errors = map[string]any{path[i]: e.Errors}
	}
	return e
}

// validateCommand applies Discord's naming and description rules.
func validateCommand(path []string, cmd *discordgo.ApplicationCommand) error {
	if cmd.Type == 0 {
		cmd.Type = discordgo.ChatApplicationCommand
	}
	if cmd.Type != discordgo.ChatApplicationCommand {
		if n := utf8.RuneCountInString(cmd.Name); n < 1 || n > 32 {
			return nestedFormError(append(path, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
		}
		return nil
	}
	if !commandNameRe.MatchString(cmd.Name) || strings.ToLower(cmd.Name) != cmd.Name {
		return nestedFormError(append(path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
	}
	if n := utf8.RuneCountInString(cmd.Description); n < 1 || n > 100 {
		return nestedFormError(append(path, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
	}
	if cmd.NameLocalizations != nil {
		if err := validateLocalizations(append(path, "name_localizations"), *cmd.NameLocalizations, true); err != nil {
			return err
		}
	}
	if cmd.DescriptionLocalizations != nil {
		if err := validateLocalizations(append(path, "description_localizations"), *cmd.DescriptionLocalizations, false); err != nil {
			return err
		}
	}
	return validateOptions(append(path, "options"), cmd.Options)
}

// validateLocalizations applies Discord's rules to name_localizations
// (names: the command name rule) or description_localizations (1 to
// 100 characters), keyed by locales Discord knows.
func validateLocalizations(path []string, m map[discordgo.Locale]string, names bool) error {
	for loc, v := range m {
		p := append(append([]string(nil), path...), string(loc))
		if _, ok := discordgo.Locales[loc]; !ok || loc == discordgo.Unknown {
			return nestedFormError(p, "ENUM_TYPE_COERCE", "Value \""+string(loc)+"\" is not a valid enum value.")
		}
		if names && (!commandNameRe.MatchString(v) || strings.ToLower(v) != v) {
			return nestedFormError(p, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
		}
		if n := utf8.RuneCountInString(v); !names && (n < 1 || n > 100) {
			return nestedFormError(p, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
	}
	return nil
}

func validateOptions(path []string, opts []*discordgo.ApplicationCommandOption) error {
	if len(opts) > 25 {
		return nestedFormError(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	seenOptional := false
	for i, o := range opts {
		p := append(append([]string(nil), path...), strconv.Itoa(i))
		if !commandNameRe.MatchString(o.Name) || strings.ToLower(o.Name) != o.Name {
			return nestedFormError(append(p, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
		}
		if n := utf8.RuneCountInString(o.Description); n < 1 || n > 100 {
			return nestedFormError(append(p, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
		if err := validateLocalizations(append(p, "name_localizations"), o.NameLocalizations, true); err != nil {
			return err
		}
		if err := validateLocalizations(append(p, "description_localizations"), o.DescriptionLocalizations, false); err != nil {
			return err
		}
		for j, ch := range o.Choices {
			cp := append(append([]string(nil), p...), "choices", strconv.Itoa(j))
			if n := utf8.RuneCountInString(ch.Name); n < 1 || n > 100 {
				return nestedFormError(append(cp, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
			}
			if err := validateLocalizations(append(cp, "name_localizations"), ch.NameLocalizations, false); err != nil {
				return err
			}
		}
		if o.Required && seenOptional {
			return nestedFormError(p, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
		}
		seenOptional = seenOptional || !o.Required
		if err := validateOptions(append(p, "options"), o.Options); err != nil {
			return err
		}
	}
	return nil
}

// registerCommandsLocked validates cmds and stores them as the full set for
// guildID, keeping the IDs of commands that keep their name and type.
func (s *Server) registerCommandsLocked(guildID string, cmds []*discordgo.ApplicationCommand, replace bool) ([]*discordgo.ApplicationCommand, error) {
	old := s.st.commands[guildID]
	seen := map[string]bool{}
	for i, cmd := range cmds {
		if err := validateCommand([]string{strconv.Itoa(i)}, cmd); err != nil {
			return nil, err
		}
		key := strconv.Itoa(int(cmd.Type)) + "/" + cmd.Name
		if seen[key] {
			return nil, nestedFormError([]string{strconv.Itoa(i), "name"}, "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[key] = true
	}
	next := cmds
	if !replace {
		next = nil
		for _, o := range old {
			if !seen[strconv.Itoa(int(o.Type))+"/"+o.Name] {
				next = append(next, o)
			}
		}
		next = append(next, cmds...)
	}
	if len(next) > 100 {
		return nil, newAPIError(400, 30032, "Maximum number of application commands reached (100)")
	}
	for _, cmd := range next {
		cmd.ApplicationID, cmd.GuildID = s.st.botID, guildID
		if cmd.ID == "" {
			cmd.ID = s.newIDLocked()
			for _, o := range old {
				if o.Name == cmd.Name && o.Type == cmd.Type {
					cmd.ID = o.ID
				}
			}
		}
		cmd.Version = s.newIDLocked()
	}
	s.st.commands[guildID] = next
	return copyCommands(cmds), nil
}

// copyCommands deep-copies commands through JSON.
func copyCommands(cmds []*discordgo.ApplicationCommand) []*discordgo.ApplicationCommand {
	out := []*discordgo.ApplicationCommand{}
	b, _ := json.Marshal(cmds)
	json.Unmarshal(b, &out)
	return out
}

// PUT /applications/{app}/commands and /applications/{app}/guilds/{guild}/commands
func (s *Server) overwriteCommands(c *call) (any, error) {
	gid, err := s.commandScopeLocked(c)
	if err != nil {
		return nil, err
	}
	var cmds []*discordgo.ApplicationCommand
	if err := c.decode(&cmds); err != nil {
		return nil, err
	}
	return s.registerCommandsLocked(gid, cmds, true)
}

// POST /applications/{app}[/guilds/{guild}]/commands: create or replace one.
func (s *Server) createCommand(c *call) (any, error) {
	gid, err := s.commandScopeLocked(c)
	if err != nil {
		return nil, err
	}
	var cmd discordgo.ApplicationCommand
	if err := c.decode(&cmd); err != nil {
		return nil, err
	}
	out, err := s.registerCommandsLocked(gid, []*discordgo.ApplicationCommand{&cmd}, false)
	if err != nil {
		return nil, err
	}
	c.status = 201
	return out[0], nil
}

// GET /applications/{app}[/guilds/{guild}]/commands[/{command}]
func (s *Server) getCommands(c *call) (any, error) {
	gid, err := s.commandScopeLocked(c)
	if err != nil {
		return nil, err
	}
	all := copyCommands(s.st.commands[gid])
	id := c.param("command")
	if id == "" {
		return all, nil
	}
	for _, cmd := range all {
		if cmd.ID == id {
			return cmd, nil
		}
	}
	return nil, errUnknownCommand()
}

// DELETE /applications/{app}[/guilds/{guild}]/commands/{command}
func (s *Server) deleteCommand(c *call) (any, error) {
	gid, err := s.commandScopeLocked(c)
	if err != nil {
		return nil, err
	}
	cmds := s.st.commands[gid]
	for i, cmd := range cmds {
		if cmd.ID == c.param("command") {
			s.st.commands[gid] = append(cmds[:i:i], cmds[i+1:]...)
			c.status = 204
			return nil, nil
		}
	}
	return nil, errUnknownCommand()
}
