// Package migrations embeds JayayaCRM's SQL schema, one set of plain SQL
// migrations per database dialect, for bun's migrator.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// FS returns the migrations of one dialect ("pg" or "sqlite"), named
// NNN_name.up.sql / NNN_name.down.sql as bun's migrator discovers them.
func FS(dialect string) (fs.FS, error) {
	switch dialect {
	case "pg":
		return fs.Sub(files, "postgres")
	case "sqlite":
		return fs.Sub(files, "sqlite")
	}
	return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
}
