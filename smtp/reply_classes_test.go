package smtp

import "testing"

// TestReplyClasses: RFC 5321 §4.2.1, a 4yz reply is a transient failure
// (Temporary and Failed), a 5yz one a permanent failure (Failed only), and
// anything below 400 is no failure; checked at the edges of each class.
func TestReplyClasses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code              int
		temporary, failed bool
	}{
		{399, false, false},
		{400, true, true},
		{499, true, true},
		{500, false, true},
		{599, false, true},
	}
	for _, c := range cases {
		r := reply(c.code, "", "x")
		if r.Temporary() != c.temporary || r.Failed() != c.failed {
			t.Errorf("%d: Temporary %v, Failed %v; want %v, %v", c.code, r.Temporary(), r.Failed(), c.temporary, c.failed)
		}
	}
}

// TestReplyErrorForms: the one-line form of a reply (logs, error chains)
// joins the lines of a multi-line reply with " / ", each with its code, and
// a reply with no lines is its code alone.
func TestReplyErrorForms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		r    Reply
		want string
	}{
		{Reply{Code: 250, Enh: "2.0.0", Lines: []string{"a", "b"}}, "250 2.0.0 a / 250 2.0.0 b"},
		{Reply{Code: 250, Lines: []string{"mx Hello", "SIZE 10"}}, "250 mx Hello / 250 SIZE 10"},
		{Reply{Code: 421}, "421"},
	}
	for _, c := range cases {
		if got := c.r.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
}
