package testutil

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestArchitectureImports holds ARCHITECTURE.md's package table to the
// code: every package of the module has a row, every row names a package,
// and the "imports (project)" column of each row lists exactly the project
// packages that its non-test files import (on any platform). A new import
// that breaks the layering then fails here until someone edits the row and
// so decides that the new edge is wanted; its message says which row and
// what to write. Test files are left out: tests may import what they need.
func TestArchitectureImports(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	module := modulePath(t, root)
	rows := architectureRows(t, filepath.Join(root, "ARCHITECTURE.md"))
	pkgs := projectImports(t, root, module)
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		got := pkgs[p]
		allowed, ok := rows[p]
		if !ok {
			t.Errorf("ARCHITECTURE.md has no row for the package %s: add one to the table under \"## Packages\":\n"+
				"| `%s` | <what it owns> | %s |", p, p, column(sortedKeys(got)))
			continue
		}
		var extra, missing []string
		for imp, file := range got {
			if !slices.Contains(allowed, imp) {
				extra = append(extra, imp+" (in "+file+")")
			}
		}
		for _, a := range allowed {
			if _, ok := got[a]; !ok {
				missing = append(missing, a)
			}
		}
		sort.Strings(extra)
		sort.Strings(missing)
		if len(extra) > 0 || len(missing) > 0 {
			t.Errorf("ARCHITECTURE.md, row `%s`: its imports column says %s, the code imports %s.\n"+
				"  imported but not allowed: %v; allowed but not imported: %v.\n"+
				"  If the code is right, set the row's last column to: %s\n"+
				"  (an import the layering forbids is fixed in the code instead: see \"Import rules\" there)",
				p, column(allowed), column(sortedKeys(got)), extra, missing, column(sortedKeys(got)))
		}
	}
	for r := range rows {
		if _, ok := pkgs[r]; !ok {
			t.Errorf("ARCHITECTURE.md has a row for `%s`, which is no package of the module: remove the row or fix its name", r)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// column writes imports as the table's last column does.
func column(imports []string) string {
	if len(imports) == 0 {
		return "—"
	}
	quoted := make([]string, len(imports))
	for i, p := range imports {
		quoted[i] = "`" + p + "`"
	}
	return strings.Join(quoted, ", ")
}

func modulePath(t *testing.T, root string) string {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if m, ok := strings.CutPrefix(l, "module "); ok {
			return strings.TrimSpace(m)
		}
	}
	t.Fatal("go.mod names no module")
	return ""
}

// tableRow is a row of the package table: | `pkg` | owns | imports |.
var tableRow = regexp.MustCompile("^\\|\\s*`([^`]+)`\\s*\\|.*\\|([^|]*)\\|\\s*$")

// architectureRows reads the package table: package (module-relative,
// "main" for the root) → the project packages its row allows.
func architectureRows(t *testing.T, path string) map[string][]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string][]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		m := tableRow.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if _, dup := rows[m[1]]; dup {
			t.Errorf("%s:%d: a second row for `%s`", path, n, m[1])
		}
		allowed := []string{}
		for _, q := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(m[2], -1) {
			allowed = append(allowed, q[1])
		}
		if len(allowed) == 0 && strings.TrimSpace(m[2]) != "—" {
			t.Errorf("%s:%d: the imports column of `%s` is neither a list of `package` names nor —", path, n, m[1])
		}
		rows[m[1]] = allowed
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no package table found", path)
	}
	return rows
}

// projectImports parses the imports of every non-test .go file of the
// module: package (as rows name it) → imported project package → the
// first file that imports it.
func projectImports(t *testing.T, root, module string) map[string]map[string]string {
	pkgs := map[string]map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		if pkg == "." {
			pkg = "main"
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if pkgs[pkg] == nil {
			pkgs[pkg] = map[string]string{}
		}
		for _, s := range f.Imports {
			imp, _ := strconv.Unquote(s.Path.Value)
			if rest, ok := strings.CutPrefix(imp, module+"/"); ok {
				if _, seen := pkgs[pkg][rest]; !seen {
					pkgs[pkg][rest] = name
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}
