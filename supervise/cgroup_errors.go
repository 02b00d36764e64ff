package supervise

import "errors"

// Sentinel errors of the cgroup code; always wrapped with the cgroup's path
// or the missing piece, so callers test them with errors.Is.
var (
	// ErrCgroupNotRoot: cgroups are created and written only by root.
	ErrCgroupNotRoot = errors.New("cgroups need root")
	// ErrCgroupControllerMissing: a controller BootAgent needs (cpu, memory,
	// and cpuacct on v1) is not mounted or not enabled.
	ErrCgroupControllerMissing = errors.New("cgroup controller missing")
	// ErrCgroupReadOnly: the cgroup filesystem is mounted read-only (common in
	// containers), so no cgroup can be created.
	ErrCgroupReadOnly = errors.New("cgroup filesystem not writable")
	// ErrCgroupInvalidName: a parent or agent name that must not become a path.
	ErrCgroupInvalidName = errors.New("invalid cgroup name")
	// ErrCgroupInvalidLimits: negative, non-finite or below the kernel's minimum.
	ErrCgroupInvalidLimits = errors.New("invalid cgroup limits")
	// ErrCgroupNoFD: cgroup v1 has no single directory to start a child in.
	ErrCgroupNoFD = errors.New("cgroup v1 has no cgroup fd (UseCgroupFD needs cgroup v2)")
	// ErrCgroupNotEmpty: Destroy was called while processes still run in it.
	ErrCgroupNotEmpty = errors.New("cgroup still has processes")
	// ErrCgroupDestroyed: the Cgroup was destroyed; open it again to reuse the name.
	ErrCgroupDestroyed = errors.New("cgroup destroyed")
)
