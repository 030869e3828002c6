package admin_test

import (
	"bufio"
	"context"
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

	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// TestBrowserWalkthrough drives headless Chromium through the panel: log
// in, retry a parked delivery from a ticket's transcript, create an interest, create a user (after a validation error), try to
// delete the last admin, log out. It saves a screenshot of every page in
// $JAYAYA_TEST_OUTPUT, or admin/testdata/out/. Without Chromium it skips,
// unless JAYAYA_REQUIRE_BROWSER=1 (as .ci/run sets), when it fails.
func TestBrowserWalkthrough(t *testing.T) {
	t.Parallel()
	chromium := findChromium(t)
	out := os.Getenv("JAYAYA_TEST_OUTPUT")
	if out == "" {
		out = filepath.Join("testdata", "out")
	}
	out = filepath.Join(out, "browser")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}

	st := coretest.MustOpenSQLite(t)
	p := newPanel(t, st)
	p.clock.Set(time.Now()) // the browser's cookie expiry follows the real clock
	ada := p.user("ada", core.RoleAdmin)
	ada, _ = st.UpdateUser(context.Background(), ada.ID, core.UserUpdate{Name: ptr("Ada Lovelace")})
	f := seedTicket(t, p, p.user("tom", core.RoleStaff))

	b := launch(t, chromium)
	b.viewport(1200, 850, false)
	shot := func(name string) {
		t.Helper()
		path := filepath.Join(out, name+".png")
		if err := os.WriteFile(path, b.screenshot(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", path)
	}

	// Log in: an anonymous visit lands on the login page.
	b.open(p.srv.URL + "/admin/")
	b.wantText("Log in")
	if bg := b.eval(`getComputedStyle(document.documentElement).backgroundColor`); bg != "rgb(245, 246, 249)" {
		t.Fatalf("the stylesheet did not load under the CSP: page background %v", bg)
	}
	shot("01-login")
	b.fill("#login", "ada")
	b.fill("#password", "wrong password")
	b.submit("form button[type=submit]")
	b.wantText(core.BadLoginMessage)
	shot("02-login-refused")
	b.fill("#password", testPassword)
	b.submit("form button[type=submit]")
	b.wantText("Open tickets")
	shot("03-home")

	// A ticket's transcript; its parked delivery is retried.
	b.submit(fmt.Sprintf(`a[href="/admin/tickets/%d"]`, f.ticket.ID))
	b.wantText("We will send someone on Monday.")
	shot("04-ticket")
	b.submit(fmt.Sprintf("#delivery-%d button", f.parked.ID))
	b.wantText("back in line")
	if d, _ := st.Delivery(context.Background(), f.parked.ID); d.Status != core.DeliveryPending {
		t.Fatalf("retried delivery is %s", d.Status)
	}

	// Create an interest.
	b.open(p.srv.URL + "/admin/interests/new")
	b.fill("#name", "Wind turbines")
	b.fill("#color", "#1c7ed6")
	shot("05-interest-form")
	b.submit("main form button[type=submit]")
	b.wantText("Interest created.")
	b.wantText("Wind turbines")
	shot("06-interests")

	// Create a user: first with a bad email, which comes back beside the field.
	b.open(p.srv.URL + "/admin/users/new")
	b.fill("#name", "Sam Support")
	b.fill("#login", "sam")
	b.fill("#email", "sam-at-example")
	b.fill("#slack_id", "U0SAM12345")
	b.fill("#time_zone", "Europe/Paris")
	b.fill("#password", "sam's long password")
	b.evalJS(`document.querySelector('#email').type = 'text'`) // let the server, not the browser, judge it
	b.submit("main form button[type=submit]")
	b.wantText("is not a valid email address")
	if v := b.eval(`document.querySelector('#name').value`); v != "Sam Support" {
		t.Fatalf("the form lost what was typed: name %q", v)
	}
	shot("07-user-invalid")
	b.fill("#email", "sam@example.com")
	b.fill("#password", "sam's long password")
	b.submit("main form button[type=submit]")
	b.wantText("User created.")
	b.wantText("U0SAM12345")
	shot("08-users")
	if _, err := st.UserByLogin(context.Background(), "sam"); err != nil {
		t.Fatalf("the browser did not create sam: %v", err)
	}

	// The same list on a phone.
	b.viewport(390, 844, true)
	b.open(p.srv.URL + "/admin/users")
	shot("09-users-phone")
	b.viewport(1200, 850, false)

	// Try to delete the last admin: the panel explains why not.
	b.open(fmt.Sprintf("%s/admin/users/%d", p.srv.URL, ada.ID))
	b.submit("a.danger-link")
	b.wantText("cannot be deleted")
	b.wantText("This is the last admin")
	shot("10-delete-last-admin")
	if u, err := st.UserByID(context.Background(), ada.ID); err != nil || !u.IsAdmin() {
		t.Fatalf("the last admin: %+v %v", u, err)
	}

	// The audit log tells who did all that.
	b.open(p.srv.URL + "/admin/audit")
	b.wantText("interest.create")
	b.wantText("user.create")
	b.wantText("login.failed")
	shot("11-audit")

	// Log out.
	b.submit("form.logout button")
	b.wantText("You are logged out.")
	shot("12-logged-out")
	if n, _ := st.CountSessions(context.Background(), ada.ID); n != 0 {
		t.Fatalf("%d sessions after logout", n)
	}
	b.open(p.srv.URL + "/admin/users")
	b.wantText("Log in")
}

func ptr[T any](v T) *T { return &v }

// findChromium returns Debian's chromium, or skips (fails in CI).
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("JAYAYA_REQUIRE_BROWSER") == "1" {
		t.Fatal("chromium is required (JAYAYA_REQUIRE_BROWSER=1) but not installed: apt-get install -y chromium")
	}
	t.Skip("chromium not installed (apt-get install -y chromium); skipping the browser test")
	return ""
}

// cdp is a minimal Chrome DevTools Protocol client over one page target.
type cdp struct {
	t    *testing.T
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

// launch starts headless Chromium and connects to its first page.
func launch(t *testing.T, chromium string) *cdp {
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
	c := &cdp{t: t, conn: conn, waiting: map[int]chan cdpReply{}}
	t.Cleanup(func() { conn.Close() })
	go c.read()
	return c
}

func (c *cdp) read() {
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

// call sends a command and returns its result; any failure fails the test.
func (c *cdp) call(method string, params any) json.RawMessage {
	c.t.Helper()
	res, err := c.tryCall(method, params)
	if err != "" {
		c.t.Fatalf("%s: %s", method, err)
	}
	return res
}

// tryCall sends a command and returns its result or what went wrong.
func (c *cdp) tryCall(method string, params any) (json.RawMessage, string) {
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

// eval evaluates a JavaScript expression in the page and returns its value;
// an exception fails the test.
func (c *cdp) eval(expr string) any {
	c.t.Helper()
	v, err := c.tryEval(expr)
	if err != "" {
		c.t.Fatalf("eval %s: %s", expr, err)
	}
	return v
}

// tryEval evaluates expr and returns its value or what went wrong (such as
// the page's context being replaced by a navigation under way).
func (c *cdp) tryEval(expr string) (any, string) {
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

func (c *cdp) evalJS(expr string) { c.t.Helper(); c.eval(expr) }

// waitFor polls a JavaScript condition until it holds.
func (c *cdp) waitFor(what, cond string) {
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
	c.t.Fatalf("timed out waiting for %s; page:\n%v", what, c.eval("document.body ? document.body.innerText : ''"))
}

// open loads a URL and waits for the new page.
func (c *cdp) open(url string) {
	c.t.Helper()
	c.markPage()
	c.call("Page.navigate", map[string]any{"url": url})
	c.waitNewPage()
}

// submit clicks an element (a button or link) and waits for the next page.
func (c *cdp) submit(selector string) {
	c.t.Helper()
	c.markPage()
	c.eval(fmt.Sprintf(`document.querySelector(%q).click()`, selector))
	c.waitNewPage()
}

func (c *cdp) markPage() { c.eval(`window.__jayayaOld = true`) }

func (c *cdp) waitNewPage() {
	c.t.Helper()
	c.waitFor("the next page", `!window.__jayayaOld && document.readyState === 'complete'`)
}

// fill sets a field's value as if typed.
func (c *cdp) fill(selector, value string) {
	c.t.Helper()
	c.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event('input', {bubbles: true})); return e.value })()`, selector, value))
}

// wantText fails unless the page shows text.
func (c *cdp) wantText(text string) {
	c.t.Helper()
	c.waitFor(fmt.Sprintf("%q on the page", text), fmt.Sprintf(`document.body && document.body.innerText.includes(%q)`, text))
}

// viewport sets the window size (mobile: a phone's touch screen).
func (c *cdp) viewport(w, h int, mobile bool) {
	c.t.Helper()
	scale := 1
	if mobile {
		scale = 2
	}
	c.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": w, "height": h, "deviceScaleFactor": scale, "mobile": mobile})
}

// screenshot returns a PNG of the whole page (up to 4000 CSS pixels high).
func (c *cdp) screenshot() []byte {
	c.t.Helper()
	var m struct {
		CSSContentSize struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	json.Unmarshal(c.call("Page.getLayoutMetrics", map[string]any{}), &m)
	h := min(m.CSSContentSize.Height, 4000)
	var shot struct {
		Data string `json:"data"`
	}
	json.Unmarshal(c.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": m.CSSContentSize.Width, "height": h, "scale": 1}}), &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil || len(png) < 8 || string(png[1:4]) != "PNG" {
		c.t.Fatalf("screenshot: not a PNG (%v)", err)
	}
	return png
}
