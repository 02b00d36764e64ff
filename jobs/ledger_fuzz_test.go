package jobs

import (
	"errors"
	"log/slog"
	"os"
	"reflect"
	"testing"

	"github.com/bootagent/bootagent/atomicfile"
)

// FuzzOpenLedger puts data where a ledger entry lives and opens the
// ledger: it opens whatever the file holds, and the entry is either loaded
// as written, in this format or the one before (its file kept) or discarded (its file removed).
func FuzzOpenLedger(f *testing.F) {
	f.Add([]byte(`{"crc32c":1,"item":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		probe := &Ledger{dir: dir}
		p := probe.file("job-1")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := OpenLedger(dir, LedgerOptions{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatalf("a bad entry file made the ledger fail to open: %v", err)
		}
		_, statErr := os.Stat(p)
		e, ok := l.Get("job-1")
		switch {
		case ok && statErr != nil:
			t.Errorf("entry loaded but its file is gone: %v", statErr)
		case !ok && !errors.Is(statErr, os.ErrNotExist):
			t.Errorf("entry not loaded but its file is kept (%v)", statErr)
		case !ok && l.Len() != 0:
			t.Errorf("entry not loaded, yet the ledger holds %d", l.Len())
		case ok:
			var d diskEntry
			if err := atomicfile.DecodeRecord(data, &d); err != nil || !reflect.DeepEqual(e, d.entry()) {
				t.Errorf("loaded %+v, the file says %+v (%v)", e, d.entry(), err)
			}
		}
	})
}
