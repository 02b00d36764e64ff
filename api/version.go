package api

import "runtime"

// Version is BootAgent's release; set at link time with
// -ldflags "-X github.com/bootagent/bootagent/api.Version=…".
var Version = "0.1.0"

// AgentVersion is the version string of the status document, in the design
// note's form "bootagent-1.2.4-x86_64".
func AgentVersion() string {
	arch := runtime.GOARCH
	switch arch {
	case "amd64":
		arch = "x86_64"
	case "arm64":
		arch = "aarch64"
	case "386":
		arch = "i686"
	}
	return "bootagent-" + Version + "-" + arch
}
