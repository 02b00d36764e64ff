package fetch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/syntax"
)

func TestFetchRefusesBadNames(t *testing.T) {
	p := writeArchive(t, t.TempDir(), "a.tar.gz", pkgMembers("1.0.0"))
	tests := []struct {
		name    string
		agent   string
		version string
	}{
		{name: "parent directory", agent: "../x"},
		{name: "empty", agent: ""},
		{name: "separator", agent: "a/b"},
		{name: "leading dot", agent: ".hidden"},
		{name: "dot dot", agent: ".."},
		{name: "too long", agent: strings.Repeat("a", 65)},
		{name: "space", agent: "a b"},
		{name: "version parent directory", agent: "A", version: "../x"},
		{name: "version separator", agent: "A", version: "1/2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, state := newTestStore(t, nil)
			_, err := s.Fetch(context.Background(), Request{Name: tt.agent, Version: tt.version, URL: p})
			if !errors.Is(err, ErrBadName) || !IsTerminal(err) {
				t.Fatalf("err = %v, want a terminal ErrBadName", err)
			}
			if entries, _ := os.ReadDir(filepath.Join(state, "packages")); len(entries) > 0 {
				t.Errorf("packages holds %v after a refused name", entries)
			}
			if _, err := s.List(tt.agent); tt.version == "" && !errors.Is(err, ErrBadName) {
				t.Errorf("List err = %v, want ErrBadName", err)
			}
			if err := s.Remove(tt.agent); tt.version == "" && !errors.Is(err, ErrBadName) {
				t.Errorf("Remove err = %v, want ErrBadName", err)
			}
		})
	}
	if err := ValidateName("agent name", strings.Repeat("a", 64)); err != nil {
		t.Errorf("a 64-character name is valid: %v", err)
	}
}

// The store unpacks exactly the archive types validation accepts.
func TestArchiveKindsAreSyntaxArchiveTypes(t *testing.T) {
	var got []string
	for k := range archiveKinds {
		got = append(got, k)
	}
	slices.Sort(got)
	if !slices.Equal(got, syntax.ArchiveTypes) {
		t.Fatalf("archiveKinds %q, syntax.ArchiveTypes %q", got, syntax.ArchiveTypes)
	}
}
