package atomicfile

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

// Record files (outbox items, job ledger entries) are one line,
//
//	{"crc32c":<checksum of the item's bytes>,"item":<item as JSON>}
//
// The checksum catches what rename cannot: a file damaged on disk, or cut
// short in a way that still parses (a number, say).
var recordCRCTable = crc32.MakeTable(crc32.Castagnoli)

// EncodeRecord is item as a record file's content.
func EncodeRecord(item any) ([]byte, error) {
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

// DecodeRecord reads a record file's content into item; an error means
// the file is torn or damaged and can never be read.
func DecodeRecord(data []byte, item any) error {
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

// RemoveTemps deletes the files in dir left by writes a crash interrupted.
func RemoveTemps(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read dir %s: %w", dir, err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), TempPrefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove %s: %w", filepath.Join(dir, e.Name()), err)
			}
		}
	}
	return nil
}
