package api

import (
	"os"

	"github.com/bootagent/bootagent/atomicfile"
)

// Crash-safe files and checksummed records (package atomicfile), shared by
// the outbox and the identity files.

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	return atomicfile.WriteFile(path, data, perm)
}

func syncDir(dir string) error { return atomicfile.SyncDir(dir) }

func removeTemps(dir string) error { return atomicfile.RemoveTemps(dir) }

func encodeRecord(item any) ([]byte, error) { return atomicfile.EncodeRecord(item) }

func decodeRecord(data []byte, item any) error { return atomicfile.DecodeRecord(data, item) }
