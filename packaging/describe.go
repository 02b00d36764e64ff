// Package packaging describes, once for both formats, the .deb and .rpm of
// bootagent and bootserver (SPEC §14), and builds them with nfpm used as a
// library: no hand-rolled archives, and the two formats cannot drift apart.
// cmd/bootpackage runs it for `make package`.
package packaging

import (
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/files"
)

// Names are the packages built, in order.
var Names = []string{"bootagent", "bootserver"}

// Formats are the package formats built, in order.
var Formats = []string{"deb", "rpm"}

// Paths where the packages put things (the unit directory is systemd's
// vendor one on both Debian, usr-merged, and RPM distributions).
const (
	BinDir  = "/usr/bin"
	UnitDir = "/usr/lib/systemd/system"
)

// entry is one thing a package installs; src is a file under the files
// directory, or "bin:NAME" a binary from the binaries directory; no src is
// a directory.
type entry struct {
	src, dst, kind string
	mode           fs.FileMode
}

type pkg struct {
	description string
	entries     []entry
}

// packages is the one description of what each package holds. Modes: the
// state directories as the daemons make them (bootagent's 0711 lets agents
// running as another user reach their working dirs; bootserver's holds its
// CA key and tokens), configuration kept across upgrades (noreplace).
var packages = map[string]pkg{
	"bootagent": {
		description: "BootAgent host agent manager: supervises, installs and upgrades the sub-agents of a host, reporting to a control server",
		entries: []entry{
			{src: "bin:bootagent", dst: BinDir + "/bootagent", mode: 0o755},
			{src: "bootagent.service", dst: UnitDir + "/bootagent.service", mode: 0o644},
			{src: "bootagent.yaml", dst: "/etc/bootagent/bootagent.yaml", kind: files.TypeConfigNoReplace, mode: 0o644},
			{dst: "/etc/bootagent", kind: files.TypeDir, mode: 0o755},
			{dst: "/etc/bootagent/agents.d", kind: files.TypeDir, mode: 0o755},
			{dst: "/var/lib/bootagent", kind: files.TypeDir, mode: 0o711},
		},
	},
	"bootserver": {
		description: "BootAgent reference control server (SQLite): hosts, jobs, rollouts and an admin API",
		entries: []entry{
			{src: "bin:bootserver", dst: BinDir + "/bootserver", mode: 0o755},
			{src: "bootserver.service", dst: UnitDir + "/bootserver.service", mode: 0o644},
			{src: "bootserver.default", dst: "/etc/default/bootserver", kind: files.TypeConfigNoReplace, mode: 0o644},
			{dst: "/var/lib/bootserver", kind: files.TypeDir, mode: 0o700},
		},
	},
}

// Spec says where the inputs are and which release to describe.
type Spec struct {
	Version  string // the package version, e.g. 0.1.0
	Arch     string // GOARCH, e.g. amd64 (nfpm maps it per format)
	BinDir   string // holds the built binaries
	FilesDir string // packaging/files: units, default config, scripts
}

// Describe returns the nfpm description of package name. A fresh value
// each call: building one format prepares (changes) its contents.
func Describe(name string, s Spec) (*nfpm.Info, error) {
	p, ok := packages[name]
	if !ok {
		return nil, fmt.Errorf("packaging: no package %q (have %v)", name, Names)
	}
	var contents files.Contents
	for _, e := range p.entries {
		c := &files.Content{Destination: e.dst, Type: e.kind, FileInfo: &files.ContentFileInfo{Mode: e.mode, Owner: "root", Group: "root"}}
		switch {
		case e.src == "":
		case len(e.src) > 4 && e.src[:4] == "bin:":
			c.Source = filepath.Join(s.BinDir, e.src[4:])
		default:
			c.Source = filepath.Join(s.FilesDir, e.src)
		}
		contents = append(contents, c)
	}
	script := func(kind string) string { return filepath.Join(s.FilesDir, name+"."+kind) }
	info := &nfpm.Info{
		Name:          name,
		Arch:          s.Arch,
		Version:       s.Version,
		VersionSchema: "none",
		Release:       "1",
		Section:       "admin",
		Priority:      "optional",
		Maintainer:    "BootAgent maintainers <bootagent@localhost>",
		Description:   p.description,
		Vendor:        "BootAgent",
		License:       "Apache-2.0",
		Overridables: nfpm.Overridables{
			Contents: contents,
			Scripts: nfpm.Scripts{
				PostInstall: script("postinst"),
				PreRemove:   script("prerm"),
				PostRemove:  script("postrm"),
			},
		},
	}
	return nfpm.WithDefaults(info), nil
}
