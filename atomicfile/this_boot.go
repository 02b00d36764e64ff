package atomicfile

import "os"

// WriteFileThisBoot replaces path with data atomically (temporary name,
// rename) but without fsync, for files that are only ever trusted within
// the boot that wrote them (a run record names its boot id). Within a boot
// every process sees the page cache, so a write survives a crash or
// SIGKILL of the writer without fsync; only a power loss or kernel crash
// can lose it, and after those the file is obsolete anyway. Two fsyncs
// (each milliseconds on a busy disk) are saved on every agent start.
func WriteFileThisBoot(path string, data []byte, perm os.FileMode) error {
	return writeFile(path, data, perm, false)
}
