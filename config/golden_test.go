package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGolden loads sample files and compares their effective
// configuration, warnings and start-up summary with testdata/*.golden.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		source string // a file in testdata, or "" for QuickStartINI
		args   []string
	}{
		{"manual-example", "manual-example.ini", nil},
		{"manual-example-pop", "manual-example.ini", []string{"/POP"}},
		{"manual-quickstart", "manual-quickstart.ini", nil},
		{"quickstart", "", nil},
		{"quickstart-switches", "", []string{"/MDA", "/MXA", "/GATEWAY:smtp.example.net:587", "/SIZE:5MB", "/EXPIRY:48", "/LOG"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := QuickStartINI
			if tc.source != "" {
				var err error
				if data, err = os.ReadFile(filepath.Join("testdata", tc.source)); err != nil {
					t.Fatal(err)
				}
			}
			inv, err := ParseArgs(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			base := rooted(absBase, "/srv/mailq")
			c, err := loadData(data, base, inv)
			if err != nil {
				t.Fatal(err)
			}
			got := render(c, base) + "\n" + filepath.ToSlash(strings.Join(c.Summary(), "\n")) + "\n"
			if v := filepath.VolumeName(base); v != "" {
				got = strings.ReplaceAll(got, v, "") // Windows: C:\srv\mailq reads as /srv/mailq
			}
			golden(t, tc.name+".golden", got)
		})
	}
}

// TestHelpGolden keeps /? in testdata/help.golden, so that a change to the
// table's switches or defaults shows in review.
func TestHelpGolden(t *testing.T) {
	t.Parallel()
	golden(t, "help.golden", HelpText("mailq"))
}
