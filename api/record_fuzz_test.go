package api

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// Fuzz targets for the record files the outbox keeps under state_dir (the
// job ledger's are fuzzed in jobs/): whatever a crash or a damaged disk left in them, the
// agent starts, and what it reads back is what was written.

// FuzzDecodeRecord checks that a record that decodes is kept exactly: the
// item re-encoded decodes to the same value, for each kind of item stored.
func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte(`{"crc32c":1,"item":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip[JobResult](t, data)
		roundTrip[Event](t, data)
	})
}

func roundTrip[T any](t *testing.T, data []byte) {
	t.Helper()
	var item T
	if err := decodeRecord(data, &item); err != nil {
		return
	}
	enc, err := encodeRecord(item)
	if err != nil {
		t.Fatalf("decoded %T %+v cannot be encoded: %v", item, item, err)
	}
	var again T
	if err := decodeRecord(enc, &again); err != nil {
		t.Fatalf("re-encoded %T does not decode: %v\n%s", item, err, enc)
	}
	if !reflect.DeepEqual(item, again) {
		t.Errorf("%T changed through a record:\n%+v\n%+v", item, item, again)
	}
}

// FuzzOpenOutbox puts data where an outbox item lives and opens the
// outbox: it opens, and the item is
// either delivered by Peek as written or dropped with its file.
func FuzzOpenOutbox(f *testing.F) {
	f.Add([]byte(`{"crc32c":1,"item":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "00000000000000000001.json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		o, err := OpenOutbox[JobResult](dir, OutboxLogger(quietLogger()))
		if err != nil {
			t.Fatalf("a bad item file made the outbox fail to open: %v", err)
		}
		items, _, err := o.Peek(0)
		if err != nil {
			t.Fatalf("peek: %v", err)
		}
		_, statErr := os.Stat(p)
		switch {
		case len(items) > 1:
			t.Fatalf("one file gave %d items", len(items))
		case len(items) == 1 && statErr != nil:
			t.Errorf("item delivered but its file is gone: %v", statErr)
		case len(items) == 0 && !errors.Is(statErr, os.ErrNotExist):
			t.Errorf("item dropped but its file is kept (%v)", statErr)
		case len(items) == 1:
			var want JobResult
			if err := decodeRecord(data, &want); err != nil || items[0] != want {
				t.Errorf("delivered %+v, the file says %+v (%v)", items[0], want, err)
			}
		}
		// The next item must not overwrite this one.
		if err := o.Add(JobResult{ID: "next"}); err != nil {
			t.Fatal(err)
		}
		if got := o.Len(); got != len(items)+1 {
			t.Errorf("after one Add the outbox holds %d items, want %d", got, len(items)+1)
		}
	})
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
