// Package assets embeds everything the binaries serve or render: templates,
// CSS, JavaScript, icons and translations. Nothing is loaded from outside the
// binary, since offices may be offline.
package assets

import (
	"embed"
	"io/fs"
)

// FS holds templates/, static/ and i18n/.
//
//go:embed templates static i18n
var FS embed.FS

// Fonts holds fonts/: DejaVu Sans (regular and bold, with its licence),
// embedded whole in the PDFs central issues so that they print alike
// everywhere and carry every Indonesian letter.
//
//go:embed fonts
var Fonts embed.FS

// Static returns the static/ subtree, served under content-hashed URLs.
func Static() fs.FS {
	sub, err := fs.Sub(FS, "static")
	if err != nil {
		panic(err) // the directory is embedded above
	}
	return sub
}
