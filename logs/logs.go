package logs

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
)

// Level is the verbosity of an event and of the log: the setting LogLevel
// (config.LogLevel is this type), 0 Off to 4 Debug.
type Level int

const (
	Off    Level = 0
	Normal Level = 1
	Info   Level = 2
	Crit   Level = 3 // the manual's "Extra"/"Crit": critical SMTP conditions and more detail
	Debug  Level = 4
)

// String is the level's name, as the start-up summary shows it.
func (l Level) String() string {
	switch l {
	case Off:
		return "Off"
	case Normal:
		return "Normal"
	case Info:
		return "Info"
	case Crit:
		return "Crit"
	case Debug:
		return "Debug"
	}
	return "unknown"
}

// Color is the meaning-based colour of a console line (the manual's table).
type tint int

const (
	white   tint = iota // key information: statistics, start-up, shut-down
	grey                // start-up and configuration detail
	blue                // a thread or agent starting
	green               // a successful action
	yellow              // idle, waiting for work
	cyan                // the Mail Delivery Agent
	magenta             // the Mail Exchange Agent
	red                 // an error
)

// File names a CSV log. Dated files get "-YYYYMMDD.log" appended; FileServer
// is the undated server.log.
type File string

const (
	FileServer   File = "server"
	FileSMTP     File = "smtp"
	FilePOP3     File = "pop3"
	fileMDA      File = "mda"
	fileMXA      File = "mxa"
	FileReceived File = "received"
)

// event is one thing worth recording. Text is what the console shows; the CSV
// row is time, id, module, status, text, then Fields.
type event struct {
	File   File
	Level  Level
	Color  tint
	Module string
	ID     string
	Status string // "OK", "FAIL", "INFO", "WARN"...
	Text   string
	Fields []string
	// NoConsole keeps the event out of the console (rows such as received-
	// log entries that duplicate a console line).
	NoConsole bool
}

// Options configure a Logger.
type Options struct {
	// Dir is the logs folder. No files are written when Dir is "" or Level
	// is Off.
	Dir string
	// Level is the file log level; the console shows events up to
	// max(Level, Normal), or everything in Debug mode.
	Level Level
	// Debug shows every event on the console.
	Debug bool
	// Quiet prints nothing on the console (/Q).
	Quiet bool
	// Console is where console lines go; nil means standard output.
	Console io.Writer
	// Color forces colour on or off; nil decides: colour only when Console is
	// a terminal and NO_COLOR is unset.
	Color *bool
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Module is shown for events that name none (start-up, shut-down), so
	// that the lines of two instances sharing a terminal stay apart.
	Module string
}

// Logger writes events to the console and the CSV files. It is safe for
// concurrent use.
type Logger struct {
	opt     Options
	now     func() time.Time
	console io.Writer
	colors  map[tint]*color.Color

	cmu sync.Mutex // serialises console lines

	fmu      sync.Mutex
	files    map[File]*logFile
	failOnce sync.Once

	tlsPOP3 sync.Map // POP3 session ids under TLS (tls.go)
}

type logFile struct {
	mu   sync.Mutex
	name string // current file name (changes with the date)
	f    *os.File
}

// New returns a Logger. It creates the logs folder when file logging is on.
func New(opt Options) (*Logger, error) {
	l := &Logger{opt: opt, now: opt.Now, console: opt.Console, files: map[File]*logFile{}}
	if l.now == nil {
		l.now = time.Now
	}
	useColor := false
	if l.console == nil {
		l.console = os.Stdout
		if isTerminal(os.Stdout) {
			l.console = color.Output // translates escapes on old Windows consoles
		}
	}
	switch {
	case opt.Color != nil:
		useColor = *opt.Color
	case os.Getenv("NO_COLOR") != "":
		useColor = false
	default:
		f, ok := opt.Console.(*os.File)
		if opt.Console == nil {
			f, ok = os.Stdout, true
		}
		useColor = ok && isTerminal(f)
	}
	l.colors = makeColors(useColor)
	if opt.Dir != "" && opt.Level > Off {
		if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("logs: create folder: %w", err)
		}
	}
	return l, nil
}

// Discard returns a Logger that writes nothing; for tests and tools.
func Discard() *Logger {
	l, _ := New(Options{Console: io.Discard, Quiet: true})
	return l
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

func makeColors(on bool) map[tint]*color.Color {
	m := map[tint]*color.Color{
		white:   color.New(color.FgHiWhite, color.Bold),
		grey:    color.New(color.FgHiBlack),
		blue:    color.New(color.FgHiBlue),
		green:   color.New(color.FgHiGreen),
		yellow:  color.New(color.FgHiYellow),
		cyan:    color.New(color.FgHiCyan),
		magenta: color.New(color.FgHiMagenta),
		red:     color.New(color.FgHiRed, color.Bold),
	}
	for _, c := range m {
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return m
}

// consoleLevel is the most detailed level the console shows.
func (l *Logger) consoleLevel() Level {
	switch {
	case l.opt.Quiet:
		return Off
	case l.opt.Debug:
		return Debug
	case l.opt.Level < Normal:
		return Normal
	}
	return l.opt.Level
}

// enabled reports whether an event of level lv would be written anywhere, so
// callers can skip building expensive debug text.
func (l *Logger) enabled(lv Level) bool {
	return lv <= l.consoleLevel() || (l.filesOn() && lv <= l.opt.Level)
}

func (l *Logger) filesOn() bool { return l.opt.Dir != "" && l.opt.Level > Off }

// emit records one event.
func (l *Logger) emit(e event) {
	if e.Level == Off {
		e.Level = Normal
	}
	if e.Module == "" {
		e.Module = l.opt.Module
	}
	l.markTLS(&e) // tls.go
	now := l.now()
	if !e.NoConsole && e.Level <= l.consoleLevel() {
		l.printConsole(now, e)
	}
	if l.filesOn() && e.Level <= l.opt.Level {
		if e.File == "" {
			e.File = FileServer
		}
		row := append([]string{now.Format(timeFormat), e.ID, e.Module, e.Status, e.Text}, fit(e.File, e.Fields)...)
		l.writeRow(e.File, now, row)
	}
}

// timeFormat is RFC 3339 with milliseconds and the offset of the local time
// ("2026-12-04T15:31:41.250+01:00"; "Z" when local time is UTC), so a row
// says when it happened without knowing where it was written.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

func (l *Logger) printConsole(now time.Time, e event) {
	id := e.ID
	if id == "" {
		id = "-"
	}
	var b strings.Builder
	b.WriteString(now.Format("15:04:05"))
	b.WriteByte(' ')
	b.WriteString(fmt.Sprintf("%-5s ", Escape(id)))
	if e.Module != "" {
		b.WriteString(fmt.Sprintf("%-5s ", Escape(e.Module)))
	}
	b.WriteString(Escape(e.Text))
	line := b.String()
	c := l.colors[e.Color]
	l.cmu.Lock()
	defer l.cmu.Unlock()
	if c != nil {
		c.Fprintln(l.console, line)
		return
	}
	fmt.Fprintln(l.console, line)
}

func (l *Logger) writeRow(file File, now time.Time, row []string) {
	line, err := csvLine(row)
	if err != nil {
		return
	}
	name := DatedPath(l.opt.Dir, file, now) // read.go: one place names the files
	l.fmu.Lock()
	lf := l.files[file]
	if lf == nil {
		lf = &logFile{}
		l.files[file] = lf
	}
	l.fmu.Unlock()

	lf.mu.Lock()
	defer lf.mu.Unlock()
	if lf.f == nil || lf.name != name {
		if lf.f != nil {
			lf.f.Close()
			lf.f = nil
		}
		f, err := openLog(name, file)
		if err != nil {
			l.reportFailure(err)
			return
		}
		lf.f, lf.name = f, name
	}
	if _, err := lf.f.Write(line); err != nil {
		l.reportFailure(err)
	}
}

// csvLine renders one row with encoding/csv, every cell through cell(): no
// cell holds a control character or starts like a formula, so a row is
// always one line.
func csvLine(row []string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	cells := make([]string, len(row))
	for i, s := range row {
		cells[i] = cell(s)
	}
	if err := w.Write(cells); err != nil {
		return nil, err
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// reportFailure tells the console once that file logging is failing (a full
// disk, say) instead of failing every session.
func (l *Logger) reportFailure(err error) {
	l.failOnce.Do(func() {
		if l.consoleLevel() > Off {
			l.printConsole(l.now(), event{Color: red, Module: "LOG", Text: "cannot write log file: " + err.Error() + " (further log-file errors are not shown)"})
		}
	})
}

// Close closes the log files.
func (l *Logger) Close() error {
	l.fmu.Lock()
	defer l.fmu.Unlock()
	var first error
	for _, lf := range l.files {
		lf.mu.Lock()
		if lf.f != nil {
			if err := lf.f.Close(); err != nil && first == nil {
				first = err
			}
			lf.f = nil
		}
		lf.mu.Unlock()
	}
	return first
}
