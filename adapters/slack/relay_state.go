package slack

import (
	"sync"

	"github.com/jayaya/jayayacrm/bot"
)

// relayState is the ticket relay's side of an Adapter: the relay that
// stores what staff write, and the bot's own user ID (to drop its echoes).
type relayState struct {
	relay *bot.Relay

	mu      sync.Mutex
	botUID  string
	checked bool
}

// SetRelay connects the adapter to the ticket relay: from now on replies
// in the staff channel's ticket threads are relayed. Call it before
// serving.
func (a *Adapter) SetRelay(r *bot.Relay) {
	a.relay.Store(&relayState{relay: r})
}

// relayState returns the adapter's relay state; nil when SetRelay was
// never called (the relay is off and events are only acknowledged).
func (a *Adapter) relayState() *relayState {
	return a.relay.Load()
}

func (rs *relayState) setBotUser(id string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.botUID = id
}

func (rs *relayState) botUser() string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.botUID
}
