package reconcile

import (
	"testing"

	"github.com/bootagent/bootagent/syspkg"
)

func TestDriftMessage(t *testing.T) {
	want := syspkg.Package{Format: syspkg.Deb, Name: "vendor-agent", Version: "1.0-2"}
	for _, tc := range []struct {
		name string
		st   syspkg.Status
		msg  string
	}{
		{name: "as installed", st: syspkg.Status{State: syspkg.Installed, Version: "1.0-2"}},
		{name: "upgraded behind our back", st: syspkg.Status{State: syspkg.Installed, Version: "1.0-3"},
			msg: "drift: deb vendor-agent is installed 1.0-3, BootAgent installed 1.0-2"},
		{name: "removed", st: syspkg.Status{State: syspkg.Absent},
			msg: "drift: deb vendor-agent is absent, BootAgent installed 1.0-2"},
		{name: "left half-installed", st: syspkg.Status{State: syspkg.HalfInstalled, Version: "1.0-2"},
			msg: "drift: deb vendor-agent is half-installed 1.0-2, BootAgent installed 1.0-2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := driftMessage(want, tc.st); got != tc.msg {
				t.Errorf("driftMessage = %q; want %q", got, tc.msg)
			}
		})
	}
}
