package desired

import (
	"os"
	"path/filepath"
	"testing"
)

func TestEnrollTokenFileResolved(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{name: "unset", yaml: "", want: ""},
		{name: "relative to the config file", yaml: "enroll_token_file: tok/enroll.token\n", want: "DIR/tok/enroll.token"},
		{name: "absolute", yaml: "enroll_token_file: /etc/bootagent/enroll.token\n", want: "/etc/bootagent/enroll.token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "bootagent.yaml")
			if err := os.WriteFile(path, []byte("state_dir: state\n"+tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := LoadConfig(path)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if len(want) > 3 && want[:3] == "DIR" {
				want = filepath.Join(dir, want[4:])
			}
			if c.EnrollTokenFile != want {
				t.Fatalf("enroll_token_file = %q, want %q", c.EnrollTokenFile, want)
			}
		})
	}
}
