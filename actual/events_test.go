package actual

import "testing"

func TestEventsRingKeepsNewestInOrder(t *testing.T) {
	tests := []struct {
		name string
		add  int
		want []string
	}{
		{"empty", 0, nil},
		{"fewer than capacity", 2, []string{"0", "1"}},
		{"exactly capacity", 3, []string{"0", "1", "2"}},
		{"wrapped", 5, []string{"2", "3", "4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := NewEvents(3)
			seen := 0
			e.Subscribe(func(Event) { seen++ })
			for i := 0; i < tc.add; i++ {
				e.Add(Event{Agent: string(rune('0' + i))})
			}
			got := e.Recent()
			if len(got) != len(tc.want) || seen != tc.add {
				t.Fatalf("got %d events (%d seen), want %v", len(got), seen, tc.want)
			}
			for i := range got {
				if got[i].Agent != tc.want[i] || got[i].Time == 0 {
					t.Fatalf("got[%d] = %+v, want agent %s with a time", i, got[i], tc.want[i])
				}
			}
		})
	}
}
