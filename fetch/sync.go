package fetch

import (
	"io/fs"
	"os"
	"path/filepath"
)

// syncTree fsyncs every file and directory under root, so that the rename
// that publishes root can never expose a version whose content a power cut
// would lose. It also gives every directory u+rwx: an archive saying 0500
// would otherwise stop the daemon from ever removing the version.
func syncTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			info, err := d.Info()
			if err != nil {
				return err
			}
			if info.Mode().Perm()&0o700 != 0o700 {
				if err := os.Chmod(p, info.Mode().Perm()|0o700); err != nil {
					return err
				}
			}
			return syncPath(p)
		case d.Type().IsRegular():
			return syncPath(p)
		default:
			return nil // a symlink lives in its directory's entry
		}
	})
}

// syncPath fsyncs one file or directory.
func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
