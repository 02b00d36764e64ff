package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// debianRoot is where Debian's postgresql-<ver> packages put each major
// version's server binaries, outside $PATH (only the wrappers of
// postgresql-common are in $PATH, and they need a cluster of their own).
const debianRoot = "/usr/lib/postgresql"

// installHint says where the binaries come from; the Makefile's DEPS_APT
// installs the package for `make deps`.
const installHint = "apt-get install postgresql (make deps)"

// binaries are the two programs the harness runs.
type binaries struct {
	initdb, pgCtl string
}

// newestVersion picks, among the entries of /usr/lib/postgresql, the
// highest major version ("9.6" < "15" < "16"), ignoring names that are not
// versions; "" when there is none.
func newestVersion(names []string) string {
	best, bestKey := "", []int(nil)
	for _, name := range names {
		key, ok := versionKey(name)
		if ok && (best == "" || lessVersion(bestKey, key)) {
			best, bestKey = name, key
		}
	}
	return best
}

// versionKey splits "9.6" into [9 6]; ok is false for anything else.
func versionKey(name string) ([]int, bool) {
	var key []int
	for part := range strings.SplitSeq(name, ".") {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 {
			return nil, false
		}
		key = append(key, n)
	}
	return key, true
}

func lessVersion(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// findBinaries looks in the newest Debian version directory first, then in
// $PATH; the error says what is missing and how to install it.
func findBinaries() (binaries, error) {
	if entries, err := os.ReadDir(debianRoot); err == nil {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if ver := newestVersion(names); ver != "" {
			bin := filepath.Join(debianRoot, ver, "bin")
			b := binaries{initdb: filepath.Join(bin, "initdb"), pgCtl: filepath.Join(bin, "pg_ctl")}
			if isExecutable(b.initdb) && isExecutable(b.pgCtl) {
				return b, nil
			}
		}
	}
	initdb, err1 := exec.LookPath("initdb")
	pgCtl, err2 := exec.LookPath("pg_ctl")
	if err1 != nil || err2 != nil {
		return binaries{}, fmt.Errorf("PostgreSQL's initdb and pg_ctl not found in %s/<version>/bin nor in $PATH (%s)", debianRoot, installHint)
	}
	return binaries{initdb: initdb, pgCtl: pgCtl}, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
