package desired

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/bootagent/bootagent/atomicfile"
)

// The file store (statedir.DesiredFiles) holds the last valid documents
// of each desired file: what an invalid file, or a missing desired_dir,
// keeps running after a daemon restart or a reboot (SPEC §4). It holds
// env values, hence mode 0600 in the state dir's private/.

// filesState is the persisted form. Origin and Source are not part of a
// Doc's JSON, so each document's line is stored beside it (the file is
// the map key): kept documents still name their place in errors and still
// lose duplicates by file order.
type filesState struct {
	Files map[string][]storedDoc `json:"files"`
}

type storedDoc struct {
	Line int `json:"line"`
	Doc  Doc `json:"doc"`
}

// fileStore writes the scanner's last valid documents to path, only when
// they change. It is the thin persistence layer around the pure scanner;
// one goroutine uses it.
type fileStore struct {
	path  string
	saved []byte // encoding of what path holds now
}

// loadFileStore reads path. No file yet is an empty set. A file that does
// not decode (or holds an invalid document) is moved aside (to
// path+".corrupt", see atomicfile.MoveAside) for the operator, and reported as err with an empty
// set: rewriting it later must not destroy the only copy.
func loadFileStore(path string) (*fileStore, map[string][]Doc, error) {
	st := &fileStore{path: path}
	last := map[string][]Doc{}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		st.saved = encodeFilesState(last)
		return st, last, nil
	}
	if err != nil {
		return st, last, fmt.Errorf("last valid desired documents %s: %w", path, err)
	}
	if last, err = decodeFilesState(b); err != nil {
		err = fmt.Errorf("last valid desired documents %s: %w", path, err)
		return st, map[string][]Doc{}, moveAside(path, err)
	}
	st.saved = b
	return st, last, nil
}

// save persists last if it differs from what the file holds.
func (st *fileStore) save(last map[string][]Doc) error {
	b := encodeFilesState(last)
	if bytes.Equal(b, st.saved) {
		return nil
	}
	if err := atomicfile.WriteFile(st.path, b, 0o600); err != nil {
		return fmt.Errorf("last valid desired documents %s: %w", st.path, err)
	}
	st.saved = b
	return nil
}

func encodeFilesState(last map[string][]Doc) []byte {
	s := filesState{Files: map[string][]storedDoc{}}
	for path, docs := range last {
		stored := make([]storedDoc, 0, len(docs))
		for _, d := range docs {
			stored = append(stored, storedDoc{Line: d.Origin.Line, Doc: d})
		}
		s.Files[path] = stored
	}
	b, err := json.MarshalIndent(s, "", "  ") // map keys sorted: canonical
	if err != nil {
		panic(fmt.Sprintf("desired: encoding the last valid documents: %v", err)) // plain data
	}
	return append(b, '\n')
}

func decodeFilesState(b []byte) (map[string][]Doc, error) {
	var s filesState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	last := make(map[string][]Doc, len(s.Files))
	for path, stored := range s.Files {
		docs := make([]Doc, 0, len(stored))
		for _, sd := range stored {
			d := sd.Doc
			d.Source, d.Origin = SourceFile, Origin{File: path, Line: sd.Line}
			// Checked again: a hand-edited file must not smuggle in a name
			// that escapes a path, or a document no file could define.
			if err := d.Validate(); err != nil {
				return nil, err
			}
			docs = append(docs, d)
		}
		last[path] = docs
	}
	return last, nil
}
