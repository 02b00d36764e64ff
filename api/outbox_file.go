package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bootagent/bootagent/atomicfile"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Crash-safe files (package atomicfile), shared by the outbox, the job
// ledger and the identity files.

// atomicTempPrefix marks files being written; whatever carries it at start-up
// was interrupted by a crash and is removed.
const atomicTempPrefix = atomicfile.TempPrefix

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	return atomicfile.WriteFile(path, data, perm)
}

func syncDir(dir string) error { return atomicfile.SyncDir(dir) }

// removeTemps deletes files left by writes a crash interrupted.
func removeTemps(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read dir %s: %w", dir, err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), atomicTempPrefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove %s: %w", filepath.Join(dir, e.Name()), err)
			}
		}
	}
	return nil
}

// Record files (outbox items, ledger entries) are one line,
//
//	{"crc32c":<checksum of the item's bytes>,"item":<item as JSON>}
//
// The checksum catches what rename cannot: a file damaged on disk, or cut
// short in a way that still parses (a number, say).
var recordCRCTable = crc32.MakeTable(crc32.Castagnoli)

func encodeRecord(item any) ([]byte, error) {
	b, err := json.Marshal(item)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+32)
	out = append(out, `{"crc32c":`...)
	out = strconv.AppendUint(out, uint64(crc32.Checksum(b, recordCRCTable)), 10)
	out = append(out, `,"item":`...)
	out = append(out, b...)
	return append(out, "}\n"...), nil
}

func decodeRecord(data []byte, item any) error {
	var rec struct {
		CRC  *uint32         `json:"crc32c"`
		Item json.RawMessage `json:"item"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return err
	}
	if rec.CRC == nil || rec.Item == nil {
		return errors.New("not a record")
	}
	if got := crc32.Checksum(rec.Item, recordCRCTable); got != *rec.CRC {
		return fmt.Errorf("checksum mismatch: want %d, got %d", *rec.CRC, got)
	}
	return json.Unmarshal(rec.Item, item)
}
