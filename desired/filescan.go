package desired

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"syscall"
)

// maxProblemsPerFile bounds the problems one file contributes, so a binary
// blob saved as x.yaml cannot flood status and events.
const maxProblemsPerFile = 20

// dirState is what a scan found the directory to be; it is logged only when
// it changes, so a long-missing directory is not an error every rescan.
type dirState int

const (
	dirOK dirState = iota
	dirMissing
	dirBroken
)

// fileScanner reads the whole directory into a Snapshot, remembering for
// each file the documents of its last valid version. It starts from the
// documents persisted by a previous daemon (fileStore), so its very first
// snapshot already keeps the agents of files that are broken now. It is
// used by one goroutine only.
type fileScanner struct {
	dir       string
	lastValid map[string][]Doc // by path; may hold files of a previous desired_dir
}

// newFileScanner takes ownership of lastValid (nil: nothing known yet).
func newFileScanner(dir string, lastValid map[string][]Doc) *fileScanner {
	if lastValid == nil {
		lastValid = map[string][]Doc{}
	}
	return &fileScanner{dir: dir, lastValid: lastValid}
}

// scan reads every desired file. A file is all or nothing: one error and the
// file contributes its last valid documents (SPEC §4 "an invalid file never
// stops what is running") plus its problems. A directory that cannot be
// listed, missing included, defines no new agents and keeps every last
// valid document known (SPEC §4): a typo in desired_dir must not uninstall
// anything. Only a readable directory is the truth, and then the documents
// of files it no longer holds (or of another directory) go.
func (sc *fileScanner) scan() (Snapshot, dirState) {
	snap := Snapshot{Source: SourceFile}
	fi, err := os.Stat(sc.dir)
	state := dirBroken
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		// (ENOTDIR: a parent is a file, so the directory cannot exist.)
		state, err = dirMissing, errors.New("desired directory does not exist")
	} else if err == nil && !fi.IsDir() {
		err = errors.New("cannot read desired directory: not a directory")
	}
	var paths []string
	if err == nil {
		if paths, err = listDesiredFiles(sc.dir); err != nil {
			err = errors.New("cannot read desired directory: " + unwrapPath(err).Error())
		}
	}
	if err != nil {
		snap.Docs = sc.allLastValid()
		msg := err.Error() + ": it defines no new agents"
		if len(snap.Docs) > 0 {
			msg += ", and the agents it defined keep their last valid state"
		}
		snap.Problems = []Problem{{File: sc.dir, Agents: docNames(snap.Docs), Msg: msg}}
		return snap, state
	}
	seen := make(map[string]bool, len(paths))
	for _, p := range paths {
		docs, problems, exists := sc.scanFile(p)
		if !exists {
			continue
		}
		seen[p] = true
		snap.Docs = append(snap.Docs, docs...)
		snap.Problems = append(snap.Problems, problems...)
	}
	for p := range sc.lastValid {
		if !seen[p] {
			delete(sc.lastValid, p) // deleted: its agents and problems go
		}
	}
	return snap, dirOK
}

// scanFile returns what one file contributes; exists is false when it
// vanished between listing and reading (the next event re-reads anyway).
func (sc *fileScanner) scanFile(path string) (docs []Doc, problems []Problem, exists bool) {
	data, err := readDesiredFile(path)
	var errs Errors
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, false
	case err != nil:
		errs = Errors{readError(path, err)}
	default:
		docs, errs = Parse(path, data)
	}
	if len(errs) == 0 {
		sc.lastValid[path] = docs
		return docs, nil, true
	}
	kept := sc.lastValid[path]
	return kept, fileProblems(errs, docNames(kept)), true
}

func fileProblems(errs Errors, agents []string) []Problem {
	var ps []Problem
	for i, e := range errs {
		if i == maxProblemsPerFile {
			ps = append(ps, Problem{File: e.File, Agents: agents, Msg: fmt.Sprintf("... and %d more errors", len(errs)-i)})
			break
		}
		ps = append(ps, Problem{File: e.File, Line: e.Line, Agents: agents, Msg: e.Msg})
	}
	return ps
}

func (sc *fileScanner) allLastValid() []Doc {
	var docs []Doc
	for _, p := range slices.Sorted(maps.Keys(sc.lastValid)) {
		docs = append(docs, sc.lastValid[p]...)
	}
	return docs
}

func docNames(docs []Doc) []string {
	var names []string
	for _, d := range docs {
		names = append(names, d.Name)
	}
	return names
}
