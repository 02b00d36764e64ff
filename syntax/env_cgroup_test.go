package syntax

import (
	"strings"
	"testing"
)

func TestEnv(t *testing.T) {
	tests := []struct {
		name, key, value string
		wantErr          string
	}{
		{name: "plain", key: "PATH", value: "/usr/bin:/bin"},
		{name: "underscore first", key: "_X1", value: ""},
		{name: "lower case", key: "http_proxy", value: "http://p:3128"},
		{name: "value with = and newline", key: "A", value: "x=y\nz"},
		{name: "empty name", key: "", wantErr: `variable name "" is not`},
		{name: "digit first", key: "1X", wantErr: `variable name "1X" is not [A-Za-z_][A-Za-z0-9_]*`},
		{name: "dash", key: "A-B", wantErr: "is not"},
		{name: "dot", key: "a.b", wantErr: "is not"},
		{name: "equals", key: "A=B", wantErr: "cannot contain"},
		{name: "NUL in name", key: "A\x00", wantErr: "is not"},
		{name: "NUL in value", key: "A", value: "x\x00y", wantErr: "value of A contains a NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Env(tt.key, tt.value)
			checkParse(t, 0, err, 0, tt.wantErr)
		})
	}
}

func TestCgroupParent(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{name: "default", in: "bootagent"},
		{name: "nested slice", in: "system.slice/bootagent"},
		{name: "at and dash", in: "user@1000.service/ba-x_1"},
		{name: "empty", in: "", wantErr: "must not be empty"},
		{name: "absolute", in: "/bootagent", wantErr: "must be a relative path"},
		{name: "trailing slash", in: "bootagent/", wantErr: `element ""`},
		{name: "empty element", in: "a//b", wantErr: `element ""`},
		{name: "dotdot", in: "bootagent/../etc", wantErr: `element ".."`},
		{name: "dot", in: "./bootagent", wantErr: `element "."`},
		{name: "hidden", in: ".x", wantErr: `element ".x"`},
		{name: "space", in: "boot agent", wantErr: "is not"},
		{name: "element too long", in: strings.Repeat("a", 256), wantErr: "is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkParse(t, 0, CgroupParent(tt.in), 0, tt.wantErr)
		})
	}
}
