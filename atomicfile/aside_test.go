package atomicfile

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestMoveAsideKeepsEveryCopy(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state.json")
	var want []string
	for i, content := range []string{"{bad", "{worse"} {
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		aside, err := MoveAside(p)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(aside); err != nil || string(b) != content {
			t.Fatalf("move %d: %s holds %q (%v), want %q", i, aside, b, err, content)
		}
		want = append(want, aside)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("%s still there: %v", p, err)
	}
	if got := Copies(p); !slices.Equal(got, []string{p + ".corrupt", p + ".corrupt-2"}) || !slices.Equal(got, want) {
		t.Errorf("Copies = %q, moved to %q", got, want)
	}
}
