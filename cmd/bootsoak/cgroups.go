package main

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// cgroupDirs returns the existing directories for cgroup parent: at each
// hierarchy's root (v1, absolute paths) and under this process's own
// cgroup in it (v2, and v1 relative paths).
func cgroupDirs(parent string) []string {
	var own []string
	if f, err := os.Open("/proc/self/cgroup"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if parts := strings.SplitN(sc.Text(), ":", 3); len(parts) == 3 {
				own = append(own, parts[2])
			}
		}
		f.Close()
	}
	var out []string
	for _, m := range cgroupMounts() {
		for _, base := range append([]string{"/"}, own...) {
			dir := filepath.Join(m, base, parent)
			if fi, err := os.Stat(dir); err == nil && fi.IsDir() && !slices.Contains(out, dir) {
				out = append(out, dir)
			}
		}
	}
	return out
}

// cgroupMounts lists the mount points of cgroup and cgroup2 file systems.
func cgroupMounts() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields, postFields := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(postFields) < 1 {
			continue
		}
		if postFields[0] == "cgroup" || postFields[0] == "cgroup2" {
			out = append(out, fields[4])
		}
	}
	return out
}

// removeCgroupTree removes dir and the cgroups below it, deepest first,
// retrying a few seconds while the kernel still counts exiting processes.
func removeCgroupTree(dir string) error {
	var dirs []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	slices.Reverse(dirs)
	var last error
	for _, d := range dirs {
		end := time.Now().Add(5 * time.Second)
		for {
			last = os.Remove(d)
			if last == nil || errors.Is(last, os.ErrNotExist) || time.Now().After(end) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if errors.Is(last, os.ErrNotExist) {
		return nil
	}
	return last
}
