// Package dialogs holds the Centre's default dialog scripts and their
// conversation tests, embedded in the binary so that Okienko runs with no
// files at all. Organizers copy this folder, edit it and point okienko at
// the copy with --dialogs.
package dialogs

import (
	"embed"
	"io/fs"
)

//go:embed *.yaml tests/*.yaml
var files embed.FS

// Scripts returns the default dialog files (the *.yaml at the folder's root).
func Scripts() fs.FS { return files }

// Tests returns the default conversation tests.
func Tests() fs.FS {
	sub, err := fs.Sub(files, "tests")
	if err != nil {
		panic(err) // the folder is embedded at build time
	}
	return sub
}
