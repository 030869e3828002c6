//go:build unix

package core

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestNewSQLiteFilesArePrivate: a SQLite database JayayaCRM creates, and
// the -wal and -shm files beside it, have mode 0600 under the usual umask
// (022, which leaves SQLite's own default at 0644). An operator's existing
// file keeps its mode; a read-only URL creates nothing.
func TestNewSQLiteFilesArePrivate(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
	ctx := context.Background()
	dir := t.TempDir()

	path := filepath.Join(dir, "new.db")
	st, err := Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil { // writes: the WAL and its index appear
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(p), err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want -rw-------", filepath.Base(p), fi.Mode().Perm())
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// Opened again, it is the same database, still private.
	st, err = Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	if applied, err := st.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("reopened: migrations applied %v (%v), want none", applied, err)
	}
	st.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("reopened: mode %v", fi.Mode().Perm())
	}

	// A file the operator made keeps the mode they gave it.
	shared := filepath.Join(dir, "shared.db")
	if err := os.WriteFile(shared, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if st, err = Open(ctx, "sqlite://"+shared); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if fi, _ := os.Stat(shared); fi.Mode().Perm() != 0o640 {
		t.Errorf("an existing file's mode changed to %v", fi.Mode().Perm())
	}

	// A read-only URL of a file that is not there leaves no file behind.
	missing := filepath.Join(dir, "missing.db")
	if st, err := Open(ctx, "sqlite://"+missing+"?mode=ro"); err == nil {
		st.Close()
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("mode=ro created %s (%v)", filepath.Base(missing), err)
	}
}
