package desired

import (
	"os"
	"path/filepath"
)

// ValidatePaths checks files and directories of desired-state files
// without a daemon (`bootagent validate PATH...`). Directories are read
// with the file source's rules; a file named explicitly is read whatever
// its name. Besides each file's own errors it reports names defined twice
// anywhere in what was given, in argument order (the first one wins, as in
// the daemon), and what rules (the daemon configuration's) make every
// install of a doc fail.
func ValidatePaths(rules InstallRules, paths ...string) Errors {
	var errs Errors
	var docs []Doc
	seen := map[string]bool{} // a file given twice is not its own duplicate
	for _, p := range paths {
		files, err := expandPath(p)
		if err != nil {
			errs = append(errs, &Error{File: p, Msg: unwrapPath(err).Error()})
			continue
		}
		for _, f := range files {
			key := filepath.Clean(f)
			if abs, err := filepath.Abs(f); err == nil {
				key = abs
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			ds, es := ParseFile(f)
			docs = append(docs, ds...)
			errs = append(errs, es...)
			for _, d := range ds {
				errs = append(errs, rules.errors(d)...)
			}
		}
	}
	return append(errs, duplicateErrors(docs)...)
}

// expandPath lists a directory's desired files, or returns a file as is.
func expandPath(p string) ([]string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return listDesiredFiles(p)
	}
	return []string{p}, nil
}

func duplicateErrors(docs []Doc) Errors {
	var errs Errors
	first := map[string]Doc{}
	for _, d := range docs {
		if kept, dup := first[d.Name]; dup {
			errs = append(errs, &Error{File: d.Origin.File, Line: d.Origin.Line, Agent: d.Name, Msg: duplicateMsg(d, kept)})
			continue
		}
		first[d.Name] = d
	}
	return errs
}
