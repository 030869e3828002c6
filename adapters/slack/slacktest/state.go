package slacktest

import (
	"context"
	"slices"
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

	lastTS int64          // microseconds of the last stamp handed out (nextTSLocked)
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
	downloads     map[string]int // GETs of each file's url_private, by file ID
	calls         []Call

	socketConnects int // connections ever accepted
	socketLive     int // connections open now
}

type channelState struct {
	info           Channel
	msgs           []*Message // in ts order, replies included
	byTS           map[string]*Message
	deletedThreads map[string]bool
	lastTS         int64 // microseconds of the channel's last message ts
	forcedTS       int64 // the next message's ts when not 0 (SetNextTS)
}

type trigger struct {
	id     string
	user   string
	viewID string // set when issued from an interaction inside a view
	issued time.Time
	used   bool
}

type responseHook struct {
	kind, channel, user, messageTS string
	uses                           int
	issued                         time.Time
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
