package fetch

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestIsTerminal(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "checksum mismatch, wrapped twice", err: fmt.Errorf("fetch A: %w", fmt.Errorf("x: %w", ErrChecksumMismatch)), want: true},
		{name: "unsafe archive", err: ErrUnsafeArchive, want: true},
		{name: "bad archive", err: ErrBadArchive, want: true},
		{name: "bad manifest", err: ErrBadManifest, want: true},
		{name: "version mismatch", err: ErrVersionMismatch, want: true},
		{name: "bad name", err: ErrBadName, want: true},
		{name: "checksum required", err: ErrChecksumRequired, want: true},
		{name: "unsupported source", err: ErrUnsupportedSource, want: true},
		{name: "package over a limit", err: fmt.Errorf("fetch A: %w", &LimitError{URL: "/p.tgz", What: "download", Key: "package_max_download", Limit: "2G"}), want: true},
		{name: "timeout", err: fmt.Errorf("fetch A: %w", ErrTimeout), want: false},
		{name: "source changed", err: ErrSourceChanged, want: false},
		{name: "network", err: errors.New("connection refused"), want: false},
		{name: "cancelled", err: context.Canceled, want: false},
		{name: "nil", err: nil, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsTerminal(tt.err); got != tt.want {
				t.Errorf("IsTerminal(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
