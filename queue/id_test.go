package queue

import (
	"regexp"
	"slices"
	"testing"
	"time"
)

func TestNewID(t *testing.T) {
	t.Parallel()
	now := time.Date(2013, 10, 7, 18, 6, 6, 0, time.FixedZone("BST", 3600))
	id := NewID(now)
	if !id.Valid() || len(id) != 22 || id[:14] != "20131007170606" {
		t.Fatalf("NewID = %q; want 22 digits starting with the UTC time 20131007170606", id)
	}
	seen := make(map[ID]bool)
	for range 1000 {
		seen[NewID(now)] = true
	}
	if len(seen) < 990 {
		t.Errorf("1000 ids in one second gave only %d distinct", len(seen))
	}
}

func TestIDValid(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		id   ID
		want bool
	}{
		{"2013100717060690338676", true},
		{"2013100717060690338676-1", true},
		{"2013100717060690338676-999999", true},
		{"2013100717060690338676-1000000", false},
		{"2013100717060690338676-0", false},
		{"2013100717060690338676-01", false},
		{"2013100717060690338676-", false},
		{"2013100717060690338676-1-2", false},
		{"2013100717060690338676-+1", false},
		{"201310071706069033867", false},
		{"20131007170606903386761", false},
		{"2013100717060690338a76", false},
		{"", false},
		{"../../etc/passwd", false},
		{"2013100717060690338676/..", false},
		{"~2013100717060690338676", false},
	} {
		t.Run(string(c.id), func(t *testing.T) {
			t.Parallel()
			if got := c.id.Valid(); got != c.want {
				t.Errorf("Valid(%q) = %v; want %v", c.id, got, c.want)
			}
		})
	}
}

func TestIDDerive(t *testing.T) {
	t.Parallel()
	const x ID = "2013100717060690338676"
	for _, c := range []struct {
		name string
		id   ID
		n    int
		want ID
	}{
		{"base", x, 2, x + "-2"},
		{"derived again stays short", x + "-2", 5, x + "-5"},
		{"own copy of a copy is itself", x + "-2", 2, x + "-2"},
		{"largest", x, MaxRecipients, x + "-999999"},
		{"zero", x, 0, ""},
		{"too large", x, MaxRecipients + 1, ""},
		{"invalid base", "nope", 1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := c.id.Derive(c.n)
			if got != c.want {
				t.Fatalf("Derive(%q, %d) = %q; want %q", c.id, c.n, got, c.want)
			}
			if got != "" && (!got.Valid() || got.Base() != x || got.Copy() != c.n) {
				t.Errorf("%q: Valid %v, Base %q, Copy %d", got, got.Valid(), got.Base(), got.Copy())
			}
		})
	}
}

func TestCompareIDs(t *testing.T) {
	t.Parallel()
	const x ID = "2013100717060690338676"
	ids := []ID{x + "-10", "2013100717060690338675", x + "-2", x, x + "-1", "2014010100000000000000"}
	slices.SortFunc(ids, compareIDs)
	want := []ID{"2013100717060690338675", x, x + "-1", x + "-2", x + "-10", "2014010100000000000000"}
	if !slices.Equal(ids, want) {
		t.Errorf("sorted = %q; want %q", ids, want)
	}
}

func TestNewTrackingID(t *testing.T) {
	t.Parallel()
	shape := regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$`)
	a, b := NewTrackingID(), NewTrackingID()
	if !shape.MatchString(a) || a == b {
		t.Errorf("NewTrackingID = %q, %q; want two distinct upper-case v4 GUIDs", a, b)
	}
}
