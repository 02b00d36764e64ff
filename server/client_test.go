package server

import (
	"context"
	"strings"
	"testing"
)

func TestClientErrorsHideTheURLPassword(t *testing.T) {
	for _, base := range []string{"http://op:pw-SECRET@127.0.0.1:1", "ftp://op:pw-SECRET@127.0.0.1:1"} {
		c, err := NewClient(base, "t")
		if err == nil {
			_, err = c.Hosts(context.Background())
		}
		if err == nil || strings.Contains(err.Error(), "pw-SECRET") {
			t.Errorf("NewClient(%q): error %v, want one without the password", base, err)
		}
	}
}
