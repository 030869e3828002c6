package slacktest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Slack-style IDs and message timestamps.

// newIDLocked returns a fresh Slack-style ID such as "C0000000A".
func (st *State) newIDLocked(prefix string) string {
	st.seq[prefix]++
	s := strings.ToUpper(strconv.FormatInt(int64(st.seq[prefix]), 36))
	if len(s) < 8 {
		s = strings.Repeat("0", 8-len(s)) + s
	}
	return prefix + s
}

// nextTSLocked returns a stamp greater than every one before it, for what
// is not a message of a channel: an action_ts, an edit's or an event's
// stamp, an ephemeral message.
func (st *State) nextTSLocked() string {
	us := st.now().UnixMicro()
	if us <= st.lastTS {
		us = st.lastTS + 1
	}
	st.lastTS = us
	return formatTS(us)
}

// messageTSLocked hands out the ts of a new message in cs. As on Slack, a
// ts is unique only within its channel: each channel has its own clock
// (the fake's time in microseconds, or one more than the channel's last
// ts), so two channels may give the same ts, and the ts set by SetNextTS
// is taken when there is one.
func (st *State) messageTSLocked(cs *channelState) string {
	us := st.now().UnixMicro()
	if cs.forcedTS != 0 {
		us, cs.forcedTS = cs.forcedTS, 0
	}
	if us <= cs.lastTS {
		us = cs.lastTS + 1
	}
	cs.lastTS = us
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

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func uuidLike() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
