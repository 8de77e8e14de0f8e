package logs

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Reading the CSV logs back: the tail and statistics tools. A row is read
// by column name through the file's own header row, so a reader never
// depends on column positions.

// record is one row of a CSV log, with its file's column names.
type record struct {
	names  map[string]int
	fields []string
}

// Get returns the value of the named column with the formula guard taken
// off (see cell), or "" when the row has no such column.
func (r record) Get(name string) string {
	i, ok := r.names[name]
	if !ok || i >= len(r.fields) {
		return ""
	}
	v := r.fields[i]
	if len(v) > 1 && v[0] == '\'' && strings.IndexByte(formulaStart, v[1]) >= 0 {
		v = v[1:]
	}
	return v
}

// Time returns the row's time, or the zero time when it does not parse.
func (r record) Time() time.Time {
	t, _ := time.Parse(timeFormat, r.Get("time"))
	return t
}

// errNoHeader is a log file that does not start with a header row: written
// by an older mailq, or not a mailq log.
var errNoHeader = errors.New("logs: no header row")

// rowReader reads the rows of one log file.
type rowReader struct {
	cr    *csv.Reader
	names map[string]int
}

func newRowReader(r io.Reader) (*rowReader, error) {
	cr := newCSV(r)
	head, err := cr.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil || len(head) < len(commonColumns) || head[0] != commonColumns[0] {
		return nil, errNoHeader
	}
	names := make(map[string]int, len(head))
	for i, n := range head {
		names[n] = i
	}
	return &rowReader{cr: cr, names: names}, nil
}

func newCSV(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // a torn last line must not hide the rows before it
	return cr
}

func (rr *rowReader) next() (record, error) {
	fields, err := rr.cr.Read()
	if err != nil {
		return record{}, err
	}
	return record{names: rr.names, fields: fields}, nil
}

// readFile calls fn for every row of the log file at path. A missing file
// has no rows; a file without a header row is errNoHeader; a malformed row
// is skipped.
func readFile(path string, fn func(record)) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	rr, err := newRowReader(f)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for {
		row, err := rr.next()
		if err == io.EOF {
			return nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		fn(row)
	}
}

// DatedPath returns the path of log kind f for day (its local date), in dir.
func DatedPath(dir string, f File, day time.Time) string {
	if f == FileServer {
		return filepath.Join(dir, "server.log")
	}
	return filepath.Join(dir, string(f)+"-"+day.Format("20060102")+".log")
}

// Kinds lists the log kinds, for the tools' arguments.
var Kinds = []File{FileServer, FileSMTP, FilePOP3, fileMDA, fileMXA, FileReceived}
