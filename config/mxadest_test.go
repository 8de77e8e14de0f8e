package config

import "testing"

func init() { sampleKeyValues["MaxConnectionsPerDestination"] = "5" }

func TestPerDestination(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		mx      MXMode
		workers int
		max     int
		want    int
	}{
		{"default", MXRemote, 4, 2, 2},
		{"at most workers-1", MXLocal, 4, 9, 3},
		{"0: no limit", MXRemote, 8, 0, 0},
		{"one worker: no limit", MXRemote, 1, 2, 0},
		{"gateway: no limit", MXGateway, 4, 2, 0},
	}
	for _, c := range cases {
		m := MXA{MX: c.mx, Workers: c.workers, MXADest: MXADest{MaxConnectionsPerDestination: c.max}}
		if got := m.PerDestination(); got != c.want {
			t.Errorf("%s: PerDestination() = %d, want %d", c.name, got, c.want)
		}
	}
}
