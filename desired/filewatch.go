package desired

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fsnotify/fsnotify"
)

// dirWatch keeps one fsnotify watch on the desired directory or, while the
// directory does not exist, on its nearest existing ancestor, so that its
// creation is noticed at once rather than at the next periodic re-read.
// Events only ever cause a full re-read; they are never read as diffs.
type dirWatch struct {
	dir       string // absolute and clean
	w         *fsnotify.Watcher
	watched   string // path of the current watch; "" when none
	addFailed bool   // the last Add failed and was logged
	log       *slog.Logger
}

// newDirWatch never fails: without inotify (instances exhausted, exotic
// file system) the periodic re-read still converges, only more slowly.
func newDirWatch(dir string, log *slog.Logger) *dirWatch {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = filepath.Clean(dir)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		log.Warn("cannot watch the desired directory, relying on periodic re-reads", "dir", dir, "err", err)
	}
	return &dirWatch{dir: abs, w: w, log: log}
}

func (d *dirWatch) events() <-chan fsnotify.Event {
	if d.w == nil {
		return nil
	}
	return d.w.Events
}

func (d *dirWatch) errors() <-chan error {
	if d.w == nil {
		return nil
	}
	return d.w.Errors
}

func (d *dirWatch) close() {
	if d.w != nil {
		d.w.Close()
	}
}

// sync points the watch at the directory or its nearest existing ancestor.
// It runs before every scan, so whatever the scan sees, later changes to it
// raise events: a directory that appears, vanishes or is replaced is
// followed. The kernel drops a watch whose directory is deleted or moved
// (fsnotify then forgets it), hence the WatchList check rather than trusting
// d.watched.
func (d *dirWatch) sync() {
	if d.w == nil {
		return
	}
	target := nearestDir(d.dir)
	if target == d.watched && slices.Contains(d.w.WatchList(), target) {
		return
	}
	if d.watched != "" {
		_ = d.w.Remove(d.watched) // usually already gone with its directory
		d.watched = ""
	}
	if err := d.w.Add(target); err != nil {
		if !d.addFailed {
			d.log.Warn("cannot watch the desired directory, relying on periodic re-reads", "dir", target, "err", err)
		}
		d.addFailed = true
		return
	}
	d.addFailed = false
	d.watched = target
}

// relevant reports whether ev can change what a scan reads; editor swap
// files and unrelated siblings of an ancestor would otherwise cause useless
// re-reads.
func (d *dirWatch) relevant(ev fsnotify.Event) bool {
	if ev.Name == d.dir || strings.HasPrefix(d.dir, ev.Name+string(filepath.Separator)) {
		return true // the directory itself, or the path leading to it
	}
	return d.watched == d.dir && filepath.Dir(ev.Name) == d.dir && isDesiredFileName(filepath.Base(ev.Name))
}

// nearestDir is dir if it is a directory, else its closest ancestor that is.
func nearestDir(dir string) string {
	for {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		dir = parent
	}
}
