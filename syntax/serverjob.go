package syntax

import (
	"fmt"
	"strings"
)

// A server job is code pushed from the network to run as root (SPEC §10):
// these rules keep a compromised or impersonated control server from
// reaching the host's files or hijacking the child's loader or shell.

// ServerJobEnv refuses the variables that make a dynamic loader, iconv or
// a shell run code of the sender's choosing before the agent's own code:
// LD_* (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT…), GCONV_PATH, BASH_ENV and
// ENV. Desired files are the host operator's and may set them.
func ServerJobEnv(name string) error {
	switch {
	case strings.HasPrefix(name, "LD_"):
		return fmt.Errorf("variable %s: a server job may not set LD_* variables", name)
	case name == "GCONV_PATH" || name == "BASH_ENV" || name == "ENV":
		return fmt.Errorf("variable %s: a server job may not set GCONV_PATH, BASH_ENV or ENV", name)
	}
	return nil
}

// ServerJobURL refuses a local package or signature source (file:// or an
// absolute path) in a server job unless allowLocal (the agent's
// allow_local_packages): a server could otherwise run any file of the
// host, or read one through a crafted archive path. what names the field.
func ServerJobURL(what string, u PackageURL, allowLocal bool) error {
	if u.Local && !allowLocal {
		return fmt.Errorf("%s %s: a server job may not name a local file (file:// or an absolute path) unless the agent sets allow_local_packages: true", what, u.Display)
	}
	return nil
}
