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
// each file the documents of its last valid version. It is used by one
// goroutine only.
type fileScanner struct {
	dir       string
	lastValid map[string][]Doc // by path
}

func newFileScanner(dir string) *fileScanner {
	return &fileScanner{dir: dir, lastValid: map[string][]Doc{}}
}

// scan reads every desired file. A file is all or nothing: one error and the
// file contributes its last valid documents (SPEC §4 "an invalid file never
// stops what is running") plus its problems.
func (sc *fileScanner) scan() (Snapshot, dirState) {
	snap := Snapshot{Source: SourceFile}
	fi, err := os.Stat(sc.dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		// No directory is a valid, empty set: the files are gone too. (ENOTDIR:
		// a parent is a file, so the directory cannot exist either.)
		clear(sc.lastValid)
		return snap, dirMissing
	}
	var paths []string
	if err == nil && !fi.IsDir() {
		err = fmt.Errorf("not a directory")
	}
	if err == nil {
		paths, err = listDesiredFiles(sc.dir)
	}
	if err != nil {
		// Unreadable for now: not knowing is not "empty", keep everything.
		snap.Docs = sc.allLastValid()
		snap.Problems = []Problem{{File: sc.dir, Msg: "cannot read desired directory: " + unwrapPath(err).Error()}}
		return snap, dirBroken
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
