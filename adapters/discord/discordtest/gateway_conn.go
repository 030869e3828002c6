package discordtest

import (
	"bytes"
	"compress/zlib"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/gorilla/websocket"
)

// gwConn is one websocket connection. Frames are queued (under Server.mu,
// so in sequence order) and written by writeLoop.
type gwConn struct {
	s       *Server
	ws      *websocket.Conn
	out     chan outFrame
	done    chan struct{}
	sess    *gwSession
	closing bool
}

type outFrame struct {
	data      []byte
	binary    bool
	closeCode int
	closeText string
}

// send queues a frame; compress sends it zlib-compressed as a binary frame.
func (c *gwConn) send(data []byte, compress bool) {
	if c.closing {
		return
	}
	f := outFrame{data: data}
	if compress {
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		zw.Write(data)
		zw.Close()
		f = outFrame{data: b.Bytes(), binary: true}
	}
	select {
	case c.out <- f:
	default:
		c.s.log.Warn("discordtest gateway client too slow, dropping connection")
		c.drop()
	}
}

// closeWith queues a close frame with code; nothing is sent after it.
func (c *gwConn) closeWith(code int, text string) {
	if c.closing {
		return
	}
	select {
	case c.out <- outFrame{closeCode: code, closeText: text}:
		c.closing = true
	default:
		c.drop()
	}
}

// drop closes the TCP connection at once, without a close frame.
func (c *gwConn) drop() {
	c.closing = true
	c.ws.NetConn().Close()
}

func (c *gwConn) writeLoop() {
	defer c.s.wg.Done()
	for {
		select {
		case <-c.done:
			return
		case f := <-c.out:
			c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if f.closeCode != 0 {
				msg := websocket.FormatCloseMessage(f.closeCode, f.closeText)
				c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
				time.Sleep(50 * time.Millisecond) // let the client read it before TCP closes
				c.ws.NetConn().Close()
				return
			}
			mt := websocket.TextMessage
			if f.binary {
				mt = websocket.BinaryMessage
			}
			if err := c.ws.WriteMessage(mt, f.data); err != nil {
				c.ws.NetConn().Close()
				return
			}
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("discordtest: marshal: " + err.Error())
	}
	return b
}
