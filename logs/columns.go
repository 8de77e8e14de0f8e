package logs

import "strings"

// Every row of every CSV log starts with these columns: the time (RFC 3339,
// local time with its offset), the session or queue id, the module, the
// status word and the text the console shows.
var commonColumns = []string{"time", "id", "module", "status", "text"}

// columns lists, for each log kind, the columns after the common ones. A
// file's rows all have the same columns, named in its header row; an event
// leaves empty the ones it has nothing for. README.md ("Logs") describes
// them: keep the two in step.
var columns = map[File][]string{
	FileServer:   {"detail"},
	FileSMTP:     {"client", "event", "user", "sender", "recipients", "queue_id", "size", "reply", "detail"},
	FilePOP3:     {"client", "event", "user", "method", "count", "octets", "uid", "detail"},
	fileMDA:      {"action", "recipient", "original", "sender", "destination", "tracking", "detail"},
	fileMXA:      {"host", "recipients", "reply", "detail"},
	FileReceived: {"queue_id", "tracking", "client", "helo", "user", "sender", "recipients", "size"},
}

// kindColumns returns the columns of file f after the common ones; a file
// not in the table has server.log's.
func kindColumns(f File) []string {
	if c, ok := columns[f]; ok {
		return c
	}
	return columns[FileServer]
}

// Header returns the header row of file f: the names of all its columns.
func Header(f File) []string {
	return append(append([]string(nil), commonColumns...), kindColumns(f)...)
}

// cols returns the fields of a row of file f from name, value pairs: each
// value in its named column, the others empty. A name f has no column for
// is kept as "name=value" in the last column (detail), so an event logged
// to more than one kind of file (the abuse controls' events) loses nothing.
func cols(f File, kv ...string) []string {
	names := kindColumns(f)
	out := make([]string, len(names))
	var extra []string
	for i := 0; i+1 < len(kv); i += 2 {
		k := indexOf(names, kv[i])
		switch {
		case k < 0:
			if kv[i+1] != "" {
				extra = append(extra, kv[i]+"="+kv[i+1])
			}
		case out[k] == "":
			out[k] = kv[i+1]
		default:
			out[k] += "; " + kv[i+1]
		}
	}
	if len(extra) > 0 {
		last := len(out) - 1
		if out[last] != "" {
			extra = append([]string{out[last]}, extra...)
		}
		out[last] = strings.Join(extra, "; ")
	}
	return out
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

// fit makes fields exactly as long as file f's columns after the common
// ones: missing ones are empty, and any beyond the last are joined into it.
// The event methods give the right number; this keeps a file readable as
// one table even if one does not.
func fit(f File, fields []string) []string {
	n := len(kindColumns(f))
	switch {
	case len(fields) == n:
		return fields
	case len(fields) < n:
		return append(fields, make([]string, n-len(fields))...)
	}
	out := append([]string(nil), fields[:n-1]...)
	var rest []string
	for _, s := range fields[n-1:] {
		if s != "" {
			rest = append(rest, s)
		}
	}
	return append(out, strings.Join(rest, "; "))
}
