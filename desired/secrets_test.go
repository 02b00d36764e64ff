package desired

import (
	"strings"
	"testing"
)

// A broken desired file whose broken line holds a secret: its errors name
// the file, the line and what is wrong, never the secret (SPEC §10).
func TestParseErrorsHideSecrets(t *testing.T) {
	const secret = "s3cr3t-VALUE"
	head := "name: a\ncommand: [x]\n"
	tests := []struct {
		name, yaml string
		want       string // the error still says this
	}{
		{"env written as a string", head + "env: TOKEN=s3cr3t-VALUE\n", "x.yaml:3: cannot unmarshal !!str into map[string]string"},
		{"env value with a wrong tag", head + "env:\n  TOKEN: !!int s3cr3t-VALUE\n", "x.yaml: cannot decode !!str as a !!int"},
		{"env value read as an alias", head + "env:\n  TOKEN: *s3cr3t-VALUE\n", "x.yaml: invalid YAML: unknown anchor referenced"},
		{"env NAME=value as a key", head + "env:\n  TOKEN=s3cr3t-VALUE: x\n", `x.yaml:4: env.TOKEN=…: variable name "TOKEN"`},
		{"package URL password", head + "version: 1\npackage: {url: \"git::http://u:s3cr3t-VALUE@h/a.tgz\"}\n", "x.yaml:4: package.url:"},
		{"command item of a wrong type", "name: a\ncommand: s3cr3t-VALUE\n", "x.yaml:2: cannot unmarshal !!str into []string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := Parse("x.yaml", []byte(tt.yaml))
			msg := errs.Error()
			if len(errs) == 0 {
				t.Fatal("no error")
			}
			if strings.Contains(msg, secret) || strings.Contains(msg, secret[:7]) {
				t.Errorf("errors show the secret:\n%s", msg)
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("errors do not say %q:\n%s", tt.want, msg)
			}
		})
	}
}
