package desired

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzLoadConfig feeds the daemon configuration loader arbitrary file
// content. A configuration it accepts re-validates, has absolute paths
// (the working directory never matters), a step the scheduler can use, and
// loads back unchanged once written out again.
func FuzzLoadConfig(f *testing.F) {
	f.Add([]byte("state_dir: state\ndesired_dir: agents.d\nservers: [\"http://127.0.0.1:8600\"]\nstep: 10\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := loadConfigBytes(t, dir, data)
		if err != nil {
			var errs Errors
			if !asErrors(err, &errs) {
				t.Fatalf("invalid content gave %T, not Errors: %v", err, err)
			}
			for _, e := range errs {
				if e.File == "" {
					t.Errorf("error %q does not name the file", e)
				}
			}
			return
		}
		if fes := c.fieldErrors(); len(fes) != 0 {
			t.Errorf("loaded config does not re-validate: %v", fes)
		}
		for _, p := range []string{c.StateDir, c.DesiredDir, c.SocketPath()} {
			if !filepath.IsAbs(p) {
				t.Errorf("path %q is not absolute", p)
			}
		}
		if c.Step <= 0 || c.DownloadTimeout <= 0 || c.LogMaxBytes() <= 0 {
			t.Errorf("step %v, download_timeout %v, log max %d: must be positive", c.Step, c.DownloadTimeout, c.LogMaxBytes())
		}

		out, err := yaml.Marshal(&c)
		if err != nil {
			t.Fatalf("marshal config: %v", err)
		}
		again, err := loadConfigBytes(t, dir, out)
		if err != nil {
			t.Fatalf("config written out does not load back: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(normConfig(c), normConfig(again)) {
			t.Errorf("config changed through YAML:\n%+v\n%+v\n%s", c, again, out)
		}
	})
}

func loadConfigBytes(t *testing.T, dir string, data []byte) (Config, error) {
	t.Helper()
	p := filepath.Join(dir, "bootagent.yaml")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return LoadConfig(p)
}

func asErrors(err error, out *Errors) bool {
	es, ok := err.(Errors)
	*out = es
	return ok && len(es) > 0 && !strings.Contains(err.Error(), "load config:")
}

// normConfig makes an empty server list and an absent one compare equal:
// YAML writes both as []. The same for trusted_keys.
func normConfig(c Config) Config {
	if len(c.Servers) == 0 {
		c.Servers = nil
	}
	if len(c.TrustedKeys) == 0 {
		c.TrustedKeys, c.Keys = nil, nil
	}
	return c
}
