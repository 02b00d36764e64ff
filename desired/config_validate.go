package desired

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// Validate checks a configuration's values (LoadConfig already does; a
// configuration changed at run time, e.g. by a server "config" job, should
// be checked again before it is used).
func (c Config) Validate() error {
	var errs Errors
	for _, fe := range c.fieldErrors() {
		errs = append(errs, &Error{File: c.Path, Msg: fe.String()})
	}
	return errs.Err()
}

func (c Config) fieldErrors() []fieldError {
	var fes []fieldError
	add := func(field string, err error) {
		if err != nil {
			fes = append(fes, fieldError{field, err.Error()})
		}
	}
	add("state_dir", required(c.StateDir))
	add("desired_dir", required(c.DesiredDir))
	if c.Step <= 0 {
		// A zero step would report in a busy loop.
		add("step", fmt.Errorf("must be above 0"))
	}
	for i, s := range c.Servers {
		add("servers."+strconv.Itoa(i), validateServer(s))
	}
	if c.Restart.MaxFailures < 0 {
		add("restart.max_failures", fmt.Errorf("%d is negative", c.Restart.MaxFailures))
	}
	add("cgroup_parent", validateCgroupParent(c.CgroupParent))
	if c.LogFormat != "text" && c.LogFormat != "json" {
		add("log_format", fmt.Errorf("%q is not \"text\" or \"json\"", c.LogFormat))
	}
	if _, err := ParseMemory(c.LogMaxSize); err != nil {
		add("log_max_size", err)
	}
	if c.LogKeep < 0 {
		add("log_keep", fmt.Errorf("%d is negative", c.LogKeep))
	}
	if c.DownloadTimeout <= 0 {
		add("download_timeout", fmt.Errorf("must be positive"))
	}
	if _, err := ParseMemory(c.PackageMaxDownload); err != nil {
		add("package_max_download", err)
	}
	if _, err := ParseMemory(c.PackageMaxUnpacked); err != nil {
		add("package_max_unpacked", err)
	}
	if c.PackageMaxEntries <= 0 {
		add("package_max_entries", fmt.Errorf("%d must be above 0", c.PackageMaxEntries))
	}
	return fes
}

func required(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("must not be empty")
	}
	return nil
}

// validateServer accepts "http(s)://host[:port][/prefix]" or a bare
// "host:port" (the wire protocol's svrlist form).
func validateServer(s string) error {
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return fmt.Errorf("%q is not a server address", s)
	}
	if !strings.Contains(s, "://") {
		if u, err := url.Parse("http://" + s); err != nil || u.Host == "" || u.Path != "" {
			return fmt.Errorf("%q is not a server URL or host:port", s)
		}
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// server URL", s)
	}
	return nil
}

// validateCgroupParent keeps every agent's cgroup inside the cgroup tree
// and below its own subtree: absolute paths and ".." could put agents into
// someone else's cgroup.
func validateCgroupParent(p string) error {
	if p == "" {
		return fmt.Errorf("must not be empty")
	}
	if filepath.IsAbs(p) {
		return fmt.Errorf("%q must be a relative path", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return fmt.Errorf("%q must not contain \"..\"", p)
		}
	}
	if filepath.Clean(p) == "." {
		return fmt.Errorf("%q names no cgroup", p)
	}
	return nil
}
