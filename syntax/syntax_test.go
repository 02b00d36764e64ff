package syntax

import (
	"strings"
	"testing"
)

func TestForms(t *testing.T) {
	hex := strings.Repeat("aB", 32)
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"name", AgentName("BasicAgent-1.5_x"), true},
		{"name traversal", AgentName("../x"), false},
		{"name hidden", AgentName(".x"), false},
		{"name too long", AgentName(strings.Repeat("a", 65)), false},
		{"name plus", AgentName("a+b"), false},
		{"version semver build", Version("1.5.6+b1"), true},
		{"version debian rc", Version("2.0~rc1"), true},
		{"version slash", Version("1/2"), false},
		{"version dotdot", Version(".."), false},
		{"checksum", func() bool { _, ok := ChecksumHex("SHA256:" + hex); return ok }(), true},
		{"checksum lower prefix", func() bool { _, ok := ChecksumHex("sha256:" + hex); return ok }(), true},
		{"checksum short", func() bool { _, ok := ChecksumHex("SHA256:abc"); return ok }(), false},
		{"checksum with a space refused, not trimmed", func() bool { _, ok := ChecksumHex(" SHA256:" + hex); return ok }(), false},
		{"checksum md5", func() bool { _, ok := ChecksumHex("MD5:" + hex); return ok }(), false},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if h, _ := ChecksumHex("SHA256:" + hex); h != strings.ToLower(hex) {
		t.Errorf("ChecksumHex = %q, want lower case", h)
	}
}
