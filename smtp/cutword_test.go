package smtp

import "testing"

// TestCutWord: the word ends at the first blank (space or tab), wherever it
// is; a leading blank gives an empty word, not the whole text.
func TestCutWord(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, word, rest string }{
		{"PLAIN", "PLAIN", ""},
		{"PLAIN dGVzdA==", "PLAIN", "dGVzdA=="},
		{"LOGIN\t \tx y", "LOGIN", "x y"},
		{" PLAIN x", "", "PLAIN x"},
		{"\tx", "", "x"},
		{"", "", ""},
	} {
		if w, r := cutWord(tc.in); w != tc.word || r != tc.rest {
			t.Errorf("cutWord(%q) = %q, %q; want %q, %q", tc.in, w, r, tc.word, tc.rest)
		}
	}
}
