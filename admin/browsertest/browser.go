// Package browsertest drives a headless Chromium through the Chrome
// DevTools Protocol, for the browser tests of the admin panel and of the
// demo page: open pages, fill and submit forms, wait for text, take
// screenshots.
package browsertest

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Chromium returns the path of Debian's chromium, or skips the test; with
// JAYAYA_REQUIRE_BROWSER=1 (as CI sets) a missing browser fails it instead.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("JAYAYA_REQUIRE_BROWSER") == "1" {
		t.Fatal("chromium is required (JAYAYA_REQUIRE_BROWSER=1) but not installed: apt-get install -y chromium")
	}
	announceSkip()
	t.Skip("chromium not installed (apt-get install -y chromium); skipping the browser test")
	return ""
}

// skipNotice makes announceSkip speak once per test process.
var skipNotice sync.Once

// announceSkip says, once per test process, that the browser tests are
// skipped. go test hides all a passing package prints (its skips too)
// unless -v, so the line goes to the terminal (/dev/tty) when there is
// one, else to stderr (seen with -v, or when go test runs one package in
// its own directory).
func announceSkip() {
	skipNotice.Do(func() {
		pkg := strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
		line := fmt.Sprintf("%s: chromium not installed, browser tests skipped (apt-get install -y chromium; JAYAYA_REQUIRE_BROWSER=1 makes this a failure)\n", pkg)
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			tty.WriteString(line)
			tty.Close()
			return
		}
		os.Stderr.WriteString(line)
	})
}

// Browser is a minimal Chrome DevTools Protocol client over one page of a
// headless Chromium.
type Browser struct {
	t    testing.TB
	conn *websocket.Conn

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpReply
}

type cdpReply struct {
	ID     int             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// Launch starts headless Chromium and connects to its first page; both
// stop when the test ends.
func Launch(t testing.TB, chromium string) *Browser {
	t.Helper()
	// The profile lives outside t.TempDir: Chromium's helper processes may
	// still be writing into it for a moment after the browser is killed.
	profile, err := os.MkdirTemp("", "jayaya-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir="+profile, "--remote-debugging-port=0",
		"about:blank")
	// Its own process group, so that stopping it stops its helpers too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		for try := 0; try < 20; try++ {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("chromium profile %s left behind", profile)
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, ws, ok := strings.Cut(sc.Text(), "DevTools listening on "); ok {
				found <- strings.TrimSpace(ws)
			}
		}
	}()
	var browserWS string
	select {
	case browserWS = <-found:
	case <-time.After(60 * time.Second):
		t.Fatal("chromium did not start its DevTools endpoint within a minute")
	}
	// The page target of about:blank, from the HTTP endpoint's list.
	host := strings.TrimPrefix(browserWS, "ws://")
	host = host[:strings.IndexByte(host, '/')]
	var pageWS string
	for deadline := time.Now().Add(30 * time.Second); pageWS == "" && time.Now().Before(deadline); {
		res, err := http.Get("http://" + host + "/json/list")
		if err == nil {
			var targets []struct{ Type, WebSocketDebuggerURL string }
			json.NewDecoder(res.Body).Decode(&targets)
			res.Body.Close()
			for _, tg := range targets {
				if tg.Type == "page" {
					pageWS = tg.WebSocketDebuggerURL
					break
				}
			}
		}
		if pageWS == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if pageWS == "" {
		t.Fatal("chromium has no page target")
	}
	conn, _, err := websocket.DefaultDialer.Dial(pageWS, nil)
	if err != nil {
		t.Fatalf("connect to the page: %v", err)
	}
	conn.SetReadLimit(64 << 20)
	c := &Browser{t: t, conn: conn, waiting: map[int]chan cdpReply{}}
	t.Cleanup(func() { conn.Close() })
	go c.read()
	return c
}

func (c *Browser) read() {
	for {
		var r cdpReply
		if err := c.conn.ReadJSON(&r); err != nil {
			c.mu.Lock()
			for id, ch := range c.waiting {
				close(ch)
				delete(c.waiting, id)
			}
			c.mu.Unlock()
			return
		}
		if r.ID == 0 {
			continue // an event: the test polls instead
		}
		c.mu.Lock()
		ch := c.waiting[r.ID]
		delete(c.waiting, r.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
}

// Call sends a command and returns its result; any failure fails the test.
func (c *Browser) Call(method string, params any) json.RawMessage {
	c.t.Helper()
	res, err := c.tryCall(method, params)
	if err != "" {
		c.t.Fatalf("%s: %s", method, err)
	}
	return res
}

// tryCall sends a command and returns its result or what went wrong.
func (c *Browser) tryCall(method string, params any) (json.RawMessage, string) {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan cdpReply, 1)
	c.waiting[id] = ch
	err := c.conn.WriteJSON(map[string]any{"id": id, "method": method, "params": params})
	c.mu.Unlock()
	if err != nil {
		return nil, err.Error()
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, "connection to chromium lost"
		}
		if r.Error != nil {
			return nil, r.Error.Message
		}
		return r.Result, ""
	case <-time.After(30 * time.Second):
		return nil, "no answer from chromium"
	}
}

// Eval evaluates a JavaScript expression in the page and returns its value;
// an exception fails the test.
func (c *Browser) Eval(expr string) any {
	c.t.Helper()
	v, err := c.tryEval(expr)
	if err != "" {
		c.t.Fatalf("eval %s: %s", expr, err)
	}
	return v
}

// tryEval evaluates expr and returns its value or what went wrong (such as
// the page's context being replaced by a navigation under way).
func (c *Browser) tryEval(expr string) (any, string) {
	raw, err := c.tryCall("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true})
	if err != "" {
		return nil, err
	}
	var res struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, err.Error()
	}
	if res.ExceptionDetails != nil {
		return nil, res.ExceptionDetails.Text
	}
	return res.Result.Value, ""
}

// EvalJS runs a JavaScript statement for its effect.
func (c *Browser) EvalJS(expr string) { c.t.Helper(); c.Eval(expr) }

// Click clicks an element without waiting for a navigation, for pages
// whose script handles the click.
func (c *Browser) Click(selector string) {
	c.t.Helper()
	c.Eval(fmt.Sprintf(`document.querySelector(%q).click()`, selector))
}

// WaitFor polls a JavaScript condition until it holds.
func (c *Browser) WaitFor(what, cond string) {
	c.t.Helper()
	// While a navigation is under way the page's context can vanish between
	// two polls: such an error means "not yet", like a false condition.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if v, err := c.tryEval("!!(" + cond + ")"); err == "" && v == true {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("timed out waiting for %s; page:\n%v", what, c.Eval("document.body ? document.body.innerText : ''"))
}

// Open loads a URL and waits for the new page.
func (c *Browser) Open(url string) {
	c.t.Helper()
	c.markPage()
	c.Call("Page.navigate", map[string]any{"url": url})
	c.waitNewPage()
}

// Submit clicks an element (a button or link) and waits for the next page.
func (c *Browser) Submit(selector string) {
	c.t.Helper()
	c.markPage()
	c.Eval(fmt.Sprintf(`document.querySelector(%q).click()`, selector))
	c.waitNewPage()
}

func (c *Browser) markPage() { c.Eval(`window.__jayayaOld = true`) }

func (c *Browser) waitNewPage() {
	c.t.Helper()
	c.WaitFor("the next page", `!window.__jayayaOld && document.readyState === 'complete'`)
}

// Fill sets a field's value as if typed.
func (c *Browser) Fill(selector, value string) {
	c.t.Helper()
	c.Eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event('input', {bubbles: true})); return e.value })()`, selector, value))
}

// WantText fails unless the page shows text.
func (c *Browser) WantText(text string) {
	c.t.Helper()
	c.WaitFor(fmt.Sprintf("%q on the page", text), fmt.Sprintf(`document.body && document.body.innerText.includes(%q)`, text))
}

// Viewport sets the window size (mobile: a phone's touch screen).
func (c *Browser) Viewport(w, h int, mobile bool) {
	c.t.Helper()
	scale := 1
	if mobile {
		scale = 2
	}
	c.Call("Emulation.setDeviceMetricsOverride", map[string]any{"width": w, "height": h, "deviceScaleFactor": scale, "mobile": mobile})
}

// Screenshot returns a PNG of the whole page (up to 4000 CSS pixels high).
func (c *Browser) Screenshot() []byte {
	c.t.Helper()
	var m struct {
		CSSContentSize struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	json.Unmarshal(c.Call("Page.getLayoutMetrics", map[string]any{}), &m)
	h := min(m.CSSContentSize.Height, 4000)
	var shot struct {
		Data string `json:"data"`
	}
	json.Unmarshal(c.Call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": m.CSSContentSize.Width, "height": h, "scale": 1}}), &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil || len(png) < 8 || string(png[1:4]) != "PNG" {
		c.t.Fatalf("screenshot: not a PNG (%v)", err)
	}
	return png
}

// OutputDir returns the folder for a test's screenshots, made if needed:
// $JAYAYA_TEST_OUTPUT/name, or testdata/out/name beside the test.
func OutputDir(t testing.TB, name string) string {
	t.Helper()
	out := os.Getenv("JAYAYA_TEST_OUTPUT")
	if out == "" {
		out = filepath.Join("testdata", "out")
	}
	out = filepath.Join(out, name)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

// Shot saves a screenshot of the page as dir/name.png.
func (c *Browser) Shot(dir, name string) {
	c.t.Helper()
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, c.Screenshot(), 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.t.Logf("screenshot %s", path)
}
