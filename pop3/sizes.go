package pop3

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"mailq/queue"
)

// sizesHeader is the first line of a mailbox's size cache file; the lines
// after it are "<id> <file length> <size as sent>". The file is a cache:
// anything unexpected in it (another version, a torn line) makes it count
// as empty or drops the line, and the messages are measured again.
const sizesHeader = "mailq-pop3-sizes 1"

// loadSizes reads mb's size cache file; nil if there is none or it cannot
// be read.
func loadSizes(mb *queue.Mailbox) map[queue.ID]cachedSize {
	f, err := mb.OpenSizes()
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() || sc.Text() != sizesHeader {
		return nil
	}
	m := map[queue.ID]cachedSize{}
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || !queue.ID(f[0]).Valid() {
			continue
		}
		fileSize, err1 := strconv.ParseInt(f[1], 10, 64)
		size, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil || fileSize < 0 || size < 0 {
			continue
		}
		m[queue.ID(f[0])] = cachedSize{fileSize: fileSize, size: size}
	}
	if sc.Err() != nil {
		return nil
	}
	return m
}

// saveSizes replaces mb's size cache file with the sizes of msgs. A
// failure is not reported: the cache only saves work, and the next login
// measures again.
func saveSizes(mb *queue.Mailbox, msgs []message, known map[queue.ID]cachedSize) {
	_ = mb.WriteSizes(func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		fmt.Fprintln(bw, sizesHeader)
		for _, m := range msgs {
			c := known[m.id]
			fmt.Fprintf(bw, "%s %d %d\n", m.id, c.fileSize, c.size)
		}
		return bw.Flush()
	})
}
