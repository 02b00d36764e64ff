// Command bootpackage builds the .deb and .rpm of bootagent and bootserver
// (`make package`) from packaging's one description.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/packaging"
)

func main() {
	bin := flag.String("bin", "bin", "directory holding the built bootagent and bootserver")
	filesDir := flag.String("files", "packaging/files", "units, default configuration and maintainer scripts")
	out := flag.String("out", "dist", "where the packages are written")
	version := flag.String("version", api.Version, "package version")
	arch := flag.String("arch", runtime.GOARCH, "GOARCH of the binaries")
	flag.Parse()
	spec := packaging.Spec{Version: *version, Arch: *arch, BinDir: *bin, FilesDir: *filesDir}
	for _, name := range packaging.Names {
		for _, format := range packaging.Formats {
			path, err := packaging.Build(name, format, spec, *out)
			if err != nil {
				fmt.Fprintf(os.Stderr, "bootpackage: %v\n", err)
				os.Exit(1)
			}
			fmt.Println(path)
		}
	}
}
