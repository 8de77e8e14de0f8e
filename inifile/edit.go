package inifile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"mailq/internal/osfile"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// EditFunc receives a copy of a section's entries, in file order, and returns
// the entries the section should have. Returned entries that came from the
// file and are unchanged keep their line's exact bytes, comments included;
// changed ones are rewritten as key=value in place; entries missing from the
// result are removed; new entries (built by the caller) are appended after
// the section's last entry. The order of entries from the file cannot be
// changed. Returning an error cancels the edit.
type EditFunc func(entries []Entry) ([]Entry, error)

// newFilePerm is the mode of an INI file that Edit creates.
const newFilePerm = 0o600

// Read returns the entries of section in the file at path (see Parse). A
// missing file is an error wrapping fs.ErrNotExist; a missing section is no
// entries.
func Read(path, section string) ([]Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("inifile: %w", err)
	}
	return Parse(data, section), nil
}

// Edit changes one section of the INI file at path through fn, under a lock
// shared with every other Edit of the same file in any process. If the file
// does not exist it is created from template (which may be nil). An error
// from fn is returned as it is, and then nothing is written; nothing is
// written either when the result equals the file. If path is a symbolic
// link, the file it points to is edited.
func Edit(path, section string, template []byte, fn EditFunc) error {
	if err := checkSection(section); err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	unlock, err := osfile.Lock(path + ".lock")
	if err != nil {
		return fmt.Errorf("inifile: lock %s: %w", path, err)
	}
	defer unlock()

	var old fs.FileInfo
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		data = template
	case err != nil:
		return fmt.Errorf("inifile: %w", err)
	default:
		if old, err = os.Stat(path); err != nil {
			return fmt.Errorf("inifile: %w", err)
		}
	}
	out, err := apply(data, section, fn)
	if err != nil {
		return err
	}
	if old != nil && bytes.Equal(out, data) {
		return nil
	}
	if err := replace(path, out); err != nil {
		return fmt.Errorf("inifile: write %s: %w", path, err)
	}
	return nil
}

// apply is Edit without files: it returns data with section changed by fn.
func apply(data []byte, section string, fn EditFunc) ([]byte, error) {
	lines := split(data)
	out, err := fn(slices.Clone(collect(lines, section)))
	if err != nil {
		return nil, err
	}
	for _, e := range out {
		if err := checkKey(e.Key); err != nil {
			return nil, err
		}
		if _, err := encodeValue(e.Value); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Key, err)
		}
	}
	return render(lines, section, out), nil
}

// layout says which lines belong to the section and after which line new
// entries go: the last entry of the last occurrence of the section, or, in
// an occurrence without entries, its header and the comment lines directly
// below it. at is -1 when the section does not occur.
func layout(lines []line, section string) (inSection []bool, at int) {
	inSection = make([]bool, len(lines))
	at = -1
	in, sawEntry := false, false
	for i, ln := range lines {
		if ln.kind == kindHeader {
			in = strings.EqualFold(ln.name, section)
			if in {
				at, sawEntry = i, false
			}
		}
		inSection[i] = in
		switch {
		case !in || ln.kind == kindHeader:
		case ln.kind == kindEntry:
			at, sawEntry = i, true
		case ln.kind == kindComment && !sawEntry && i == at+1:
			at = i
		}
	}
	return inSection, at
}

// render rebuilds the file: lines outside the section verbatim, the
// section's entry lines kept, rewritten or dropped per out, new entries
// inserted or, if the section is missing, appended in a new section.
func render(lines []line, section string, out []Entry) []byte {
	inSection, at := layout(lines, section)
	keep := map[int]Entry{}
	var added []Entry
	for _, e := range out {
		i := e.line - 1
		_, dup := keep[i]
		if e.line > 0 && i < len(lines) && inSection[i] && !dup && lines[i].kind == kindEntry &&
			lines[i].key == e.origKey && lines[i].value == e.origValue {
			keep[i] = e
		} else {
			added = append(added, e)
		}
	}
	eol := fileEOL(lines)
	var b bytes.Buffer
	for i, ln := range lines {
		if e, ok := keep[i]; !inSection[i] || ln.kind != kindEntry {
			b.Write(ln.raw)
		} else if ok && e.Key == e.origKey && e.Value == e.origValue {
			b.Write(ln.raw)
		} else if ok {
			b.WriteString(format(e) + ln.eol)
		}
		if i == at && len(added) > 0 {
			writeEntries(&b, added, eol)
		}
	}
	if at < 0 && len(added) > 0 {
		if b.Len() > 0 && lines[len(lines)-1].kind != kindBlank {
			endLine(&b, eol)
			b.WriteString(eol)
		}
		endLine(&b, eol)
		b.WriteString("[" + section + "]" + eol)
		writeEntries(&b, added, eol)
	}
	return b.Bytes()
}

func writeEntries(b *bytes.Buffer, es []Entry, eol string) {
	endLine(b, eol)
	for _, e := range es {
		b.WriteString(format(e) + eol)
	}
}

// endLine ends the last line written, if it has no line end yet.
func endLine(b *bytes.Buffer, eol string) {
	if n := b.Len(); n > 0 && b.Bytes()[n-1] != '\n' {
		b.WriteString(eol)
	}
}

// format writes an entry that apply has checked.
func format(e Entry) string {
	v, _ := encodeValue(e.Value)
	return e.Key + "=" + v
}

// fileEOL is the line end of the file's first line, or the system's for a
// file without one.
func fileEOL(lines []line) string {
	for _, ln := range lines {
		if ln.eol != "" {
			return ln.eol
		}
	}
	return osfile.EOL
}

// replace writes data over path with osfile.WriteFile: a new file gets
// newFilePerm, an existing one keeps its permissions and, where allowed, its
// owner. Edit's lock is held, so any temporary file of ours already in the
// folder was left by a crash.
func replace(path string, data []byte) error {
	removeLeftovers(filepath.Dir(path), "."+filepath.Base(path)+".", ".tmp")
	return osfile.WriteFile(path, data, newFilePerm)
}

// removeLeftovers deletes temporary files that crashed editors left.
func removeLeftovers(dir, prefix, suffix string) {
	names, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, d := range names {
		if n := d.Name(); strings.HasPrefix(n, prefix) && strings.HasSuffix(n, suffix) && d.Type().IsRegular() {
			_ = os.Remove(filepath.Join(dir, n))
		}
	}
}
