package macro

import (
	"testing"
	"time"
)

func TestTimeString(t *testing.T) {
	t.Parallel()
	cases := []struct {
		at   time.Time
		want string
	}{
		// The manual's POP3 example.
		{time.Date(2014, 6, 23, 12, 47, 18, 0, bst), "Monday, 23rd Jun 2014 12:47:18 +0100"},
		{time.Date(2013, 10, 7, 18, 6, 51, 0, bst), "Monday, 7th Oct 2013 18:06:51 +0100"},
		{time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "Thursday, 29th Feb 2024 00:00:00 +0000"},
		{time.Date(2024, 11, 1, 9, 5, 3, 0, time.FixedZone("", -(3*3600+30*60))), "Friday, 1st Nov 2024 09:05:03 -0330"},
		{time.Date(2024, 11, 12, 23, 59, 59, 0, time.FixedZone("", 5*3600+45*60)), "Tuesday, 12th Nov 2024 23:59:59 +0545"},
		{time.Date(2024, 12, 22, 1, 2, 3, 0, time.UTC), "Sunday, 22nd Dec 2024 01:02:03 +0000"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			t.Parallel()
			if got := TimeString(c.at); got != c.want {
				t.Fatalf("TimeString(%v) = %q; want %q", c.at, got, c.want)
			}
		})
	}
}

func TestOrdinal(t *testing.T) {
	t.Parallel()
	want := map[int]string{
		1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 10: "10th", 11: "11th", 12: "12th", 13: "13th",
		14: "14th", 20: "20th", 21: "21st", 22: "22nd", 23: "23rd", 24: "24th", 30: "30th", 31: "31st",
	}
	for d, w := range want {
		if got := ordinal(d); got != w {
			t.Errorf("ordinal(%d) = %q; want %q", d, got, w)
		}
	}
}
