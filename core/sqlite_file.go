package core

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
)

// sqliteFileMode is the mode of a SQLite database file JayayaCRM creates:
// it holds password hashes and every message, so only its owner reads it.
const sqliteFileMode = 0o600

// createSQLiteFile creates the SQLite database file named by the part of
// DATABASE_URL after sqlite:// (a path, maybe with a query), empty and with
// mode 0600, unless it exists already or is not a file of its own
// (":memory:", mode=memory) or is opened read-only (mode=ro). SQLite gives
// the files it then creates beside it (-wal, -shm, -journal) the database
// file's mode, so they are private too. An existing file keeps its mode.
func createSQLiteFile(rest string) error {
	path, query, _ := strings.Cut(rest, "?")
	if path == ":memory:" {
		return nil
	}
	if params, err := url.ParseQuery(query); err == nil {
		switch params.Get("mode") {
		case "ro", "memory":
			return nil
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, sqliteFileMode)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("DATABASE_URL: create the SQLite file: %v", err)
	}
	return f.Close()
}
