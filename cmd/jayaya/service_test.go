package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnit checks the unit runs `jayaya serve` with the environment
// file the operator guide (docs/operator-guide.md) describes, and that
// systemd accepts it.
func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile("jayaya.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	for _, want := range []string{
		"ExecStart=/usr/local/bin/jayaya serve\n", "EnvironmentFile=/etc/jayaya/jayaya.env\n", "StateDirectory=jayaya\n",
		"KillSignal=SIGTERM\n", "Restart=on-failure\n", "NoNewPrivileges=yes\n", "WantedBy=multi-user.target\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("unit lacks %q", want)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	// Verify a copy whose binary exists (this test's own executable).
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jayaya.service")
	os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/jayaya", self)), 0o644)
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
