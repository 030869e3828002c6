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

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func uuidLike() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
