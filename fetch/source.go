package fetch

import (
	"fmt"

	"github.com/bootagent/bootagent/syntax"
)

// source is a request URL checked and prepared for go-getter.
type source struct {
	getterSrc string // what go-getter is asked for
	display   string // for logs and errors: no password
	local     bool   // file:// or an absolute path: may go without checksum
	localPath string // the file itself, when local
	archive   string // key in archiveKinds
}

// parseSource applies syntax.ParsePackageURL, the rule desired docs, jobs
// and bootserver validate with, so a URL they accept is one fetched here.
func parseSource(raw string) (source, error) {
	u, err := syntax.ParsePackageURL(raw)
	if err != nil {
		return source{}, fmt.Errorf("%w: %v", ErrUnsupportedSource, err)
	}
	return source{getterSrc: u.Getter, display: u.Display, local: u.Local, localPath: u.LocalPath, archive: u.Archive}, nil
}
