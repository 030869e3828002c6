package slacktest

import "slices"

// The accessors tests read the workspace with. Each returns copies.

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

// Downloads counts the GETs of a file's url_private(_download), answered
// or failed.
func (st *State) Downloads(fileID string) int {
	var n int
	st.read(func() { n = st.downloads[fileID] })
	return n
}

func (st *State) countDownload(fileID string) {
	_ = st.update(func() error {
		if st.downloads == nil {
			st.downloads = map[string]int{}
		}
		st.downloads[fileID]++
		return nil
	})
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
