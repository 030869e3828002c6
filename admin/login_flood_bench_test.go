package admin_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/jayaya/jayayacrm/admin"
	"github.com/jayaya/jayayacrm/core"
	"github.com/jayaya/jayayacrm/core/coretest"
)

// Flood shape: floodClients clients, each from its own loopback address
// (127.0.<run>.<n>: Linux routes all of 127.0.0.0/8 to lo), post wrong
// passwords for ever-new unknown logins (so no per-login lock slows them)
// for at least floodFor; floodLegitAfter into the flood, a staff member
// from an address of their own logs in with the right password.
const (
	floodClients    = 120
	floodFor        = 3 * time.Second
	floodLegitAfter = 500 * time.Millisecond
)

// BenchmarkLoginFlood floods the panel with concurrent bad logins from
// many addresses and reports the process's peak heap and peak RSS during
// the flood (peak-heap-MB, peak-rss-MB; RSS needs Linux), how long a
// legitimate login took in the middle of it (legit-login-ms) and whether
// it got in (legit-ok: 1 or 0), and how the flood's requests were
// answered (flood-401, flood-429, flood-503: counts per run). It reports;
// it asserts nothing about speed. Run it alone, a few times, for medians:
//
//	go test -run '^$' -bench LoginFlood -benchtime 1x -count 5 ./admin/
func BenchmarkLoginFlood(b *testing.B) {
	st := coretest.MustOpenPostgres(b)
	ctx := context.Background()
	if _, err := st.CreateUser(ctx, core.NewUser{Login: "ada", Name: "Ada", Role: core.RoleAdmin, Password: testPassword}); err != nil {
		b.Fatal(err)
	}
	p, err := admin.New(admin.Config{Store: st}) // no log: a flood of log lines would be measured too
	if err != nil {
		b.Fatal(err)
	}
	r := chi.NewRouter()
	r.Mount("/admin", p.Routes())
	srv := httptest.NewServer(r)
	b.Cleanup(srv.Close)

	var heapMB, rssMB, legitMS, legitOK, n401, n429, n503 float64
	run := 0
	for b.Loop() {
		run++
		res := floodOnce(b, srv.URL, run)
		heapMB += res.peakHeap / (1 << 20)
		rssMB += res.peakRSS / (1 << 20)
		legitMS += float64(res.legit.Milliseconds())
		if res.legitStatus == http.StatusSeeOther {
			legitOK++
		}
		n401 += float64(res.status[http.StatusUnauthorized].Load())
		n429 += float64(res.status[http.StatusTooManyRequests].Load())
		n503 += float64(res.status[http.StatusServiceUnavailable].Load())
	}
	n := float64(run)
	b.ReportMetric(heapMB/n, "peak-heap-MB")
	b.ReportMetric(rssMB/n, "peak-rss-MB")
	b.ReportMetric(legitMS/n, "legit-login-ms")
	b.ReportMetric(legitOK/n, "legit-ok")
	b.ReportMetric(n401/n, "flood-401")
	b.ReportMetric(n429/n, "flood-429")
	b.ReportMetric(n503/n, "flood-503")
	b.ReportMetric(0, "ns/op") // one op is one whole flood: its time says nothing
}

type floodResult struct {
	peakHeap, peakRSS float64
	legit             time.Duration
	legitStatus       int
	status            map[int]*atomic.Int64
}

// floodOnce runs one flood against base; run picks the addresses.
func floodOnce(b *testing.B, base string, run int) floodResult {
	b.Helper()
	res := floodResult{status: map[int]*atomic.Int64{}}
	for _, s := range []int{http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusServiceUnavailable, 0} {
		res.status[s] = new(atomic.Int64)
	}
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()

	stopSampling := make(chan struct{})
	sampled := make(chan float64)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		peak := 0.0
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, float64(sample[0].Value.Uint64()))
			select {
			case <-stopSampling:
				sampled <- peak
				return
			case <-tick.C:
			}
		}
	}()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range floodClients {
		client := clientFrom(b, net.IPv4(127, byte(run%250), byte(2+i), 1).To4())
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				code := postLogin(client, base, "ghost-"+strconv.Itoa(i)+"-"+strconv.Itoa(n), "wrong password")
				if c, ok := res.status[code]; ok {
					c.Add(1)
				} else {
					res.status[0].Add(1)
				}
			}
		})
	}
	start := time.Now()
	time.Sleep(floodLegitAfter)
	legit := clientFrom(b, net.IPv4(127, byte(run%250), 254, 1).To4())
	t0 := time.Now()
	res.legitStatus = postLogin(legit, base, "ada", testPassword)
	res.legit = time.Since(t0)
	if rest := floodFor - time.Since(start); rest > 0 {
		time.Sleep(rest)
	}
	close(stop)
	wg.Wait()
	close(stopSampling)
	res.peakHeap = <-sampled
	res.peakRSS = peakRSS()
	if n := res.status[0].Load(); n > 0 {
		b.Logf("%d flood requests failed or got an unexpected status", n)
	}
	return res
}

// clientFrom returns an HTTP client whose connections come from ip.
func clientFrom(b testing.TB, ip net.IP) *http.Client {
	b.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}
	tr := &http.Transport{DialContext: d.DialContext, MaxConnsPerHost: 1}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// postLogin posts the login form as the panel's page does and returns the
// status (0 when the request failed).
func postLogin(c *http.Client, base, login, password string) int {
	req, _ := http.NewRequest(http.MethodPost, base+"/admin/login", strings.NewReader(url.Values{"login": {login}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// resetPeakRSS resets the kernel's peak-RSS mark of this process (Linux).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns the process's peak RSS in bytes since resetPeakRSS (VmHWM
// in /proc/self/status), or 0 where there is no such file.
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb * 1024
		}
	}
	return 0
}
