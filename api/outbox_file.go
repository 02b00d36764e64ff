package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Crash-safe files, shared by the outbox, the job ledger and the identity
// files. A file is written under a temporary name, fsynced, renamed into
// place and its directory fsynced: after a crash at any instant the final
// name holds either the old content or the complete new one, never a torn
// mix, and a file reported written survives power loss.

// atomicTempPrefix marks files being written; whatever carries it at start-up
// was interrupted by a crash and is removed.
const atomicTempPrefix = ".tmp-"

// writeFileAtomic replaces path with data, durably.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, atomicTempPrefix+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp, path, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	return nil
}

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
