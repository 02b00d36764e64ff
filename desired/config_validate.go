package desired

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bootagent/bootagent/syntax"
)

// parseFields checks a loaded configuration's values and puts the ones the
// daemon converts in their converted form: each server becomes the base
// URL the client will use (syntax.ParseServer), so what validates is
// exactly what runs.
func (c *Config) parseFields() []fieldError {
	fes := c.fieldErrors()
	for i, s := range c.Servers {
		if u, err := syntax.ParseServer(s); err == nil {
			c.Servers[i] = u
		}
	}
	c.CAPool, c.Pin = nil, nil
	if c.ServerCA != "" {
		pool, err := loadCAPool(c.ServerCA)
		if err != nil {
			fes = append(fes, fieldError{"server_ca", err.Error()})
		}
		c.CAPool = pool
	}
	if c.ServerCAPin != "" {
		pin, err := syntax.ParsePin(c.ServerCAPin)
		if err != nil {
			fes = append(fes, fieldError{"server_ca_pin", err.Error()})
		}
		c.Pin = pin
	}
	c.Keys = nil
	for i, k := range c.TrustedKeys {
		key, err := parseTrustedKey(k, filepath.Dir(c.Path))
		if err != nil {
			fes = append(fes, fieldError{"trusted_keys." + strconv.Itoa(i), err.Error()})
			continue
		}
		c.Keys = append(c.Keys, key)
	}
	return fes
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
		u, err := syntax.ParseServer(s)
		if err == nil && c.RequireTLS && !strings.HasPrefix(u, "https://") {
			err = fmt.Errorf("%q is plain http but require_tls is true: use https://", s)
		}
		add("servers."+strconv.Itoa(i), err)
	}
	if c.Restart.MaxFailures < 0 {
		add("restart.max_failures", fmt.Errorf("%d is negative", c.Restart.MaxFailures))
	}
	add("cgroup_parent", syntax.CgroupParent(c.CgroupParent))
	if c.LogFormat != "text" && c.LogFormat != "json" {
		add("log_format", fmt.Errorf("%q is not \"text\" or \"json\"", c.LogFormat))
	}
	_, err := syntax.ParseSize(c.LogMaxSize)
	add("log_max_size", err)
	if c.LogKeep < 0 {
		add("log_keep", fmt.Errorf("%d is negative", c.LogKeep))
	}
	if c.DownloadTimeout <= 0 {
		add("download_timeout", fmt.Errorf("must be positive"))
	}
	if _, err := syntax.ParseSize(c.PackageMaxDownload); err != nil {
		add("package_max_download", err)
	}
	if _, err := syntax.ParseSize(c.PackageMaxUnpacked); err != nil {
		add("package_max_unpacked", err)
	}
	if c.RequireSignature && len(c.TrustedKeys) == 0 {
		add("require_signature", fmt.Errorf("is true but trusted_keys is empty: name the minisign public keys packages must be signed by"))
	}
	add("server_job_user", syntax.Account(c.ServerJobUser))
	add("metrics_listen", syntax.ListenAddr(c.MetricsListen))
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
