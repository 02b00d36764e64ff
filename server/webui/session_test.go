package webui

import (
	"testing"
	"time"
)

func TestSessionsExpireAndEnd(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	s := newSessions(time.Hour, func() time.Time { return now })
	a, err := s.start("tok-a")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.start("tok-b")
	if a.id == b.id || a.csrf == b.csrf || a.id == a.csrf {
		t.Fatal("session ids and CSRF tokens must all differ")
	}
	tests := []struct {
		name    string
		advance time.Duration
		end     string
		id      string
		live    bool
	}{
		{name: "fresh", id: a.id, live: true},
		{name: "unknown id", id: "nope"},
		{name: "just before expiry", advance: time.Hour - time.Second, id: a.id, live: true},
		{name: "ended", end: b.id, id: b.id},
		{name: "expired", advance: time.Second, id: a.id},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = now.Add(tt.advance)
			if tt.end != "" {
				s.end(tt.end)
			}
			if got := s.get(tt.id) != nil; got != tt.live {
				t.Fatalf("get(%s) live = %v, want %v", tt.id, got, tt.live)
			}
		})
	}
	if !a.csrfOK(a.csrf) || a.csrfOK("") || a.csrfOK(b.csrf) {
		t.Fatal("csrfOK accepts only the session's own token")
	}
}
