package slacktest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// State is what the fake workspace holds: users, channels, messages,
// ephemeral messages, views, files, response_url posts and the Web API calls
// it received. Every method is safe for concurrent use; accessors return
// copies.
type State struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	cfg     *Config
	now     func() time.Time

	lastTS int64          // microseconds of the last ts handed out
	seq    map[string]int // per-prefix ID counters

	users     map[string]*User
	userOrder []string
	channels  map[string]*channelState
	chanOrder []string
	dms       map[string]string // sorted member list (without the bot) → DM or group DM ID

	ephemerals    []Ephemeral
	views         map[string]*View
	viewOrder     []string
	triggers      map[string]*trigger
	hooks         map[string]*responseHook
	responsePosts []ResponsePost
	files         map[string]*File
	fileOrder     []string
	calls         []Call

	socketConnects int // connections ever accepted
	socketLive     int // connections open now
}

type channelState struct {
	info           Channel
	msgs           []*Message // in ts order, replies included
	byTS           map[string]*Message
	deletedThreads map[string]bool
}

type trigger struct {
	id     string
	user   string
	viewID string // set when issued from an interaction inside a view
	issued time.Time
	used   bool
}

type responseHook struct {
	id, kind, channel, user, messageTS, threadTS string
	uses                                         int
	issued                                       time.Time
}

// slackError is an error whose text is a Slack error code such as
// "channel_not_found".
type slackError string

func (e slackError) Error() string { return string(e) }

func newState(cfg *Config, now func() time.Time) *State {
	return &State{
		changed:  make(chan struct{}),
		cfg:      cfg,
		now:      now,
		seq:      map[string]int{},
		users:    map[string]*User{},
		channels: map[string]*channelState{},
		dms:      map[string]string{},
		views:    map[string]*View{},
		triggers: map[string]*trigger{},
		hooks:    map[string]*responseHook{},
		files:    map[string]*File{},
	}
}

// read runs fn with the state locked.
func (st *State) read(fn func()) {
	st.mu.Lock()
	defer st.mu.Unlock()
	fn()
}

// update runs fn with the state locked and then wakes every waiter.
func (st *State) update(fn func() error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	err := fn()
	close(st.changed)
	st.changed = make(chan struct{})
	return err
}

// WaitFor blocks until cond reports true and fails the test if that takes
// longer than Config.WaitTimeout. cond is evaluated again after every change
// to the state, never while the state is locked, so it may call any accessor.
func (st *State) WaitFor(tb testing.TB, cond func(*State) bool) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), st.cfg.WaitTimeout)
	defer cancel()
	if err := st.Await(ctx, cond); err != nil {
		tb.Fatalf("slacktest: condition not met within %s", st.cfg.WaitTimeout)
	}
}

// Await blocks until cond reports true or ctx ends, and returns ctx's error
// in the latter case. Unlike WaitFor it may be used outside the test goroutine.
func (st *State) Await(ctx context.Context, cond func(*State) bool) error {
	for {
		st.mu.Lock()
		changed := st.changed
		st.mu.Unlock()
		if cond(st) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitForMessage waits until a stored message matches and returns it.
func (st *State) WaitForMessage(tb testing.TB, match func(Message) bool) Message {
	tb.Helper()
	var found Message
	st.WaitFor(tb, func(st *State) bool {
		ms := st.FindMessages(match)
		if len(ms) == 0 {
			return false
		}
		found = ms[0]
		return true
	})
	return found
}

// newIDLocked returns a fresh Slack-style ID such as "C0000000A".
func (st *State) newIDLocked(prefix string) string {
	st.seq[prefix]++
	s := strings.ToUpper(strconv.FormatInt(int64(st.seq[prefix]), 36))
	if len(s) < 8 {
		s = strings.Repeat("0", 8-len(s)) + s
	}
	return prefix + s
}

// nextTSLocked returns a message timestamp greater than every one before it.
func (st *State) nextTSLocked() string {
	us := st.now().UnixMicro()
	if us <= st.lastTS {
		us = st.lastTS + 1
	}
	st.lastTS = us
	return formatTS(us)
}

// formatTS renders microseconds since the epoch as "1700000000.000100".
func formatTS(us int64) string { return fmt.Sprintf("%d.%06d", us/1e6, us%1e6) }

// parseTS reads "1700000000.000100" or "1700000000" into microseconds.
func parseTS(s string) (int64, bool) {
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n < 0 || len(frac) > 6 {
		return 0, false
	}
	us := n * 1e6
	if frac != "" {
		f, err := strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
		if err != nil || f < 0 {
			return 0, false
		}
		us += f
	}
	return us, true
}

func (st *State) channelLocked(id string) (*channelState, error) {
	cs, ok := st.channels[id]
	if !ok {
		return nil, slackError("channel_not_found")
	}
	return cs, nil
}

func (cs *channelState) isMember(user string) bool { return slices.Contains(cs.info.Members, user) }

func (cs *channelState) add(m *Message) {
	cs.msgs = append(cs.msgs, m)
	cs.byTS[m.TS] = m
}

func (cs *channelState) remove(ts string) {
	delete(cs.byTS, ts)
	cs.msgs = slices.DeleteFunc(cs.msgs, func(m *Message) bool { return m.TS == ts })
}

// replies returns the replies of the thread whose parent has ts, oldest first.
func (cs *channelState) replies(ts string) []*Message {
	var out []*Message
	for _, m := range cs.msgs {
		if m.ThreadTS == ts && m.TS != ts {
			out = append(out, m)
		}
	}
	return out
}

// threadRoot resolves ts to the ts of its thread's parent, so that replying
// to a reply lands in the same thread.
func (cs *channelState) threadRoot(ts string) (string, error) {
	m, ok := cs.byTS[ts]
	if !ok || cs.deletedThreads[ts] {
		return "", slackError("thread_not_found")
	}
	if m.IsReply() {
		return m.ThreadTS, nil
	}
	return m.TS, nil
}

// Users returns the workspace's users, in the order they were added.
func (st *State) Users() []User {
	var out []User
	st.read(func() {
		for _, id := range st.userOrder {
			out = append(out, *st.users[id])
		}
	})
	return out
}

// User returns one user.
func (st *State) User(id string) (User, bool) {
	var u User
	var ok bool
	st.read(func() {
		if p := st.users[id]; p != nil {
			u, ok = *p, true
		}
	})
	return u, ok
}

// Channels returns the conversations that exist, DMs included.
func (st *State) Channels() []Channel {
	var out []Channel
	st.read(func() {
		for _, id := range st.chanOrder {
			if cs := st.channels[id]; cs != nil {
				c := cs.info
				c.Members = slices.Clone(c.Members)
				out = append(out, c)
			}
		}
	})
	return out
}

// Channel returns one conversation.
func (st *State) Channel(id string) (Channel, bool) {
	var c Channel
	var ok bool
	st.read(func() {
		if cs := st.channels[id]; cs != nil {
			c, ok = cs.info, true
			c.Members = slices.Clone(c.Members)
		}
	})
	return c, ok
}

// DM returns the ID of the bot's DM with user, or "" if none was opened.
func (st *State) DM(user string) string {
	var id string
	st.read(func() { id = st.dms[user] })
	return id
}

// Messages returns a channel's messages, replies included, oldest first.
func (st *State) Messages(channel string) []Message {
	var out []Message
	st.read(func() {
		if cs := st.channels[channel]; cs != nil {
			for _, m := range cs.msgs {
				out = append(out, m.clone())
			}
		}
	})
	return out
}

// Message returns one message.
func (st *State) Message(channel, ts string) (Message, bool) {
	var out Message
	var ok bool
	st.read(func() {
		if cs := st.channels[channel]; cs != nil {
			if m := cs.byTS[ts]; m != nil {
				out, ok = m.clone(), true
			}
		}
	})
	return out, ok
}

// Thread returns a thread's parent followed by its replies, oldest first.
func (st *State) Thread(channel, ts string) []Message {
	var out []Message
	st.read(func() {
		cs := st.channels[channel]
		if cs == nil || cs.byTS[ts] == nil {
			return
		}
		out = append(out, cs.byTS[ts].clone())
		for _, m := range cs.replies(ts) {
			out = append(out, m.clone())
		}
	})
	return out
}

// FindMessages returns every stored message that matches, channel by channel.
func (st *State) FindMessages(match func(Message) bool) []Message {
	var out []Message
	st.read(func() {
		for _, id := range st.chanOrder {
			if cs := st.channels[id]; cs != nil {
				for _, m := range cs.msgs {
					if c := m.clone(); match(c) {
						out = append(out, c)
					}
				}
			}
		}
	})
	return out
}

// Ephemerals returns the ephemeral messages shown so far.
func (st *State) Ephemerals() []Ephemeral {
	var out []Ephemeral
	st.read(func() { out = slices.Clone(st.ephemerals) })
	return out
}

// Views returns every view opened or pushed, in order.
func (st *State) Views() []View {
	var out []View
	st.read(func() {
		for _, id := range st.viewOrder {
			out = append(out, *st.views[id])
		}
	})
	return out
}

// View returns one view.
func (st *State) View(id string) (View, bool) {
	var v View
	var ok bool
	st.read(func() {
		if p := st.views[id]; p != nil {
			v, ok = *p, true
		}
	})
	return v, ok
}

// Files returns the files the fake knows, uploaded or shared.
func (st *State) Files() []File {
	var out []File
	st.read(func() {
		for _, id := range st.fileOrder {
			f := *st.files[id]
			f.Content = slices.Clone(f.Content)
			f.Channels = slices.Clone(f.Channels)
			out = append(out, f)
		}
	})
	return out
}

// File returns one file.
func (st *State) File(id string) (File, bool) {
	var f File
	var ok bool
	st.read(func() {
		if p := st.files[id]; p != nil {
			f, ok = *p, true
			f.Content = slices.Clone(f.Content)
			f.Channels = slices.Clone(f.Channels)
		}
	})
	return f, ok
}

// ResponsePosts returns what the product posted to response_urls.
func (st *State) ResponsePosts() []ResponsePost {
	var out []ResponsePost
	st.read(func() { out = slices.Clone(st.responsePosts) })
	return out
}

// Calls returns the Web API calls received for method, or all of them when
// method is "".
func (st *State) Calls(method string) []Call {
	var out []Call
	st.read(func() {
		for _, c := range st.calls {
			if method == "" || c.Method == method {
				out = append(out, c.clone())
			}
		}
	})
	return out
}

// SocketConnects returns how many Socket Mode connections the fake has
// accepted so far, reconnections included.
func (st *State) SocketConnects() int {
	var n int
	st.read(func() { n = st.socketConnects })
	return n
}

// SocketConnections returns how many Socket Mode connections are open now.
func (st *State) SocketConnections() int {
	var n int
	st.read(func() { n = st.socketLive })
	return n
}
