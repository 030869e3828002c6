package main

import (
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jayaya/jayayacrm/core"
)

// buildLineRE is the Containerfile's build command.
var buildLineRE = regexp.MustCompile(`RUN (CGO_ENABLED=0 go build [^\\\n]*)`)

// TestReleaseBuildIsStaticAndVersioned runs the Containerfile's own build
// command (no container engine needed) and checks the result: a static
// binary that reports the version it was given.
func TestReleaseBuildIsStaticAndVersioned(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	cf, err := os.ReadFile("Containerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := buildLineRE.FindSubmatch(cf)
	if m == nil {
		t.Fatalf("no `RUN CGO_ENABLED=0 go build` line in the Containerfile")
	}
	for _, want := range []string{"FROM scratch", "ca-certificates.crt", `ENTRYPOINT ["/usr/local/bin/jayaya"]`, `CMD ["serve"]`, "USER 65532", "VOLUME /data"} {
		if !strings.Contains(string(cf), want) {
			t.Errorf("Containerfile lacks %q", want)
		}
	}
	out := filepath.Join(t.TempDir(), "jayaya")
	line := strings.NewReplacer("${VERSION}", "9.8.7-test", "/out/jayaya", out, "./cmd/jayaya", ".").Replace(string(m[1]))
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line, err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary is dynamically linked (has an ELF interpreter)")
		}
	}
	v, err := exec.Command(out, "version").Output()
	if err != nil || strings.TrimSpace(string(v)) != "jayaya 9.8.7-test" {
		t.Fatalf("version: %q %v", v, err)
	}

	// Tests hash passwords at a lower cost (coretest.CheapPasswordHashing):
	// the release binary hashes at the real one, 19 MiB and 2 passes.
	dbURL := "sqlite://" + filepath.Join(t.TempDir(), "j.db")
	for _, args := range [][]string{{"migrate"}, {"user", "add", "--login", "ada", "--name", "Ada", "--role", "admin", "--password-stdin"}} {
		cmd := exec.Command(out, args...)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
		cmd.Stdin = strings.NewReader("s3cret-passw0rd\n")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("jayaya %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
	st, err := core.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByLogin(context.Background(), "ada")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("the release binary's password hash %q is not at the production cost (m=19456,t=2,p=1)", u.PasswordHash)
	}
}
