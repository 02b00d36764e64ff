package daemon

import (
	"slices"
	"time"

	"github.com/bootagent/bootagent/desired"
)

// restartOnly resets, in next, the settings the running daemon read once at
// start (its state dir and socket, the server client, cgroups, downloads,
// its own logger and hostname) to their values in cur, and names those
// that differed: a SIGHUP cannot apply them, and must not pretend to.
func restartOnly(cur desired.Config, next *desired.Config) []string {
	var changed []string
	keep := func(name string, differs bool, reset func()) {
		if differs {
			changed = append(changed, name)
			reset()
		}
	}
	keep("state_dir", next.StateDir != cur.StateDir, func() { next.StateDir = cur.StateDir })
	keep("control_socket", next.SocketPath() != cur.SocketPath(), func() { next.ControlSocket = cur.ControlSocket })
	keep("servers", !slices.Equal(next.Servers, cur.Servers), func() { next.Servers = cur.Servers })
	// The client is built once with its trust (SPEC §10).
	keep("server_ca", next.ServerCA != cur.ServerCA, func() { next.ServerCA, next.CAPool = cur.ServerCA, cur.CAPool })
	keep("server_ca_pin", next.ServerCAPin != cur.ServerCAPin, func() { next.ServerCAPin, next.Pin = cur.ServerCAPin, cur.Pin })
	keep("require_tls", next.RequireTLS != cur.RequireTLS, func() { next.RequireTLS = cur.RequireTLS })
	keep("hostname", next.Hostname != cur.Hostname, func() { next.Hostname = cur.Hostname })
	keep("cgroup_parent", next.CgroupParent != cur.CgroupParent, func() { next.CgroupParent = cur.CgroupParent })
	keep("log_format", next.LogFormat != cur.LogFormat, func() { next.LogFormat = cur.LogFormat })
	keep("require_checksum", next.RequireChecksum != cur.RequireChecksum, func() { next.RequireChecksum = cur.RequireChecksum })
	keep("download_timeout", next.DownloadTimeout != cur.DownloadTimeout, func() { next.DownloadTimeout = cur.DownloadTimeout })
	keep("package_max_download", next.PackageMaxDownloadBytes() != cur.PackageMaxDownloadBytes(), func() { next.PackageMaxDownload = cur.PackageMaxDownload })
	keep("package_max_unpacked", next.PackageMaxUnpackedBytes() != cur.PackageMaxUnpackedBytes(), func() { next.PackageMaxUnpacked = cur.PackageMaxUnpacked })
	keep("package_max_entries", next.PackageMaxEntries != cur.PackageMaxEntries, func() { next.PackageMaxEntries = cur.PackageMaxEntries })
	// The package store holds the keys it was opened with.
	keep("trusted_keys", !slices.Equal(next.TrustedKeys, cur.TrustedKeys), func() { next.TrustedKeys, next.Keys = cur.TrustedKeys, cur.Keys })
	keep("require_signature", next.RequireSignature != cur.RequireSignature, func() { next.RequireSignature = cur.RequireSignature })
	keep("metrics_listen", next.MetricsListen != cur.MetricsListen, func() { next.MetricsListen = cur.MetricsListen })
	return changed
}

// jobPolicy is what the config says server jobs may do; it applies live,
// a SIGHUP included.
func jobPolicy(c desired.Config) desired.JobPolicy {
	return desired.JobPolicy{AllowLocalPackages: c.AllowLocalPackages, AllowSystemPackages: c.AllowSystemPackages, DefaultUser: c.ServerJobUser}
}

// stepInForce is the status interval: a config job's step (seconds) when
// one set it, else the configuration's; a config job outranks the file,
// so a SIGHUP changing the file's step changes nothing while it holds.
func stepInForce(serverStep int64, configStep time.Duration) time.Duration {
	if serverStep > 0 {
		return time.Duration(serverStep) * time.Second
	}
	return configStep
}

// rescheduleIfStepChanged wakes the report loop when the step in force
// is no longer before, so that the next report comes on the new schedule
// rather than at the end of the old interval (up to the old step away).
func (d *Daemon) rescheduleIfStepChanged(before time.Duration) {
	if d.step() != before {
		d.wakeReportLoop()
	}
}

// wakeReportLoop makes the report loop recompute its wait from the step
// now in force.
func (d *Daemon) wakeReportLoop() {
	select {
	case d.stepChanged <- struct{}{}:
	default: // already woken
	}
}
