package config

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// A setting is one row of the table in settings.go, and nothing else: its
// INI key, default, parser and field there are what Default(), Load (the
// INI reader), ParseArgs (its switches), HelpText (/?) and Summary (the
// start-up lines) use, and TestExampleMatchesTable checks mailq.ini.example
// against it.
//
// To add a setting:
//  1. add its field to the section struct in config.go (or a struct of its
//     own file);
//  2. add one row to settings.go, where its summary line should appear:
//     key("Config", "MyKey", "10", countK("a number of things (0 = off)"),
//     func(c *Config) *int { return &c.Server.MyKey }), followed by
//     .opt("MYKEY", "n", "Server", "help line") for a switch with a value,
//     .flag("NOMYKEY", "False", ...) for one without, and .label("My key",
//     inSMTP) for a summary line "My key: 10";
//  3. add MyKey=10 with a comment to mailq.ini.example.
//
// A feature with a section struct of its own keeps the struct, its parsers
// and its summary function in its file (see tls.go); only its rows go here.
// Settings written in the older style convert one for one: a keySpec
// boolKey/countKey/durationKey/parsedKey(sec, name, ..., f) becomes
// key(sec, name, def, boolK/countK(what)/durK(rule)/k(parse), f), where def is
// the value its Default() entry set, written as in mailq.ini; a toggle(...)
// switch becomes .flag(name, "True" or "False", group, help), a valued(...)
// one .opt or .optKind; a summary line becomes .label or .show.
//
// The kinds below cover booleans, counts, ports, durations, sizes and text;
// a value of a type of its own takes k(parseX). Defaults are written as in
// mailq.ini and parsed like a value read from it.

// modes is a set of instances in which a summary line is shown.
type modes uint8

const (
	inSMTP    modes = 1 << ModeSMTP
	inPOP     modes = 1 << ModePOP
	inWeb     modes = 1 << ModeWeb
	inSink    modes = 1 << ModeSink
	inServers       = inSMTP | inPOP
)

// row is one setting, or one switch that is not a setting (a command).
type row struct {
	sec, key string // INI; "" for a switch-only row
	// also is the other spelling of the same setting (section, key). With
	// agree set both may be given only with the same value (agree names the
	// value in the error); otherwise the key spelling counts, with a warning.
	also  [2]string
	agree string
	def   string // the built-in default as mailq.ini writes it; "" is the zero value
	text  bool   // free text: ';' is data unless a blank precedes it
	// set parses an INI value into c; base resolves relative paths. A
	// refused value changes nothing. warn is a non-fatal remark.
	set func(c *Config, base, v string) (warn string, err error)
	cur func(c *Config) string // the value, as set reads it back
	// path is the default of a Paths field: a name under another path or
	// the base folder.
	path     *pathDefault
	switches []switchSpec
	in       modes                    // where sum shows
	sum      func(c *Config) []string // start-up summary lines
}

func (r row) toRow() row { return r }

// rower is a row under construction: a row, or an entry of a typed setting.
type rower interface{ toRow() row }

// kind is how one type of value is read and written.
type kind[T any] struct {
	parse  func(string) (T, error)
	format func(T) string // as parse reads it back
	human  func(T) string // in the summary; format when nil
	warn   func(T) string // a remark on an accepted value, or ""
	text   bool
}

// k is the kind of a value of its own type, written with fmt.
func k[T any](parse func(string) (T, error)) kind[T] {
	return kind[T]{parse: parse, format: func(v T) string { return fmt.Sprint(v) }}
}

// entry is a typed setting while its row is built.
type entry[T any] struct {
	row
	k kind[T]
	f func(*Config) *T
}

// key is the setting [sec] name, default def, stored in the field f returns.
func key[T any](sec, name, def string, kd kind[T], f func(*Config) *T) entry[T] {
	e := entry[T]{k: kd, f: f}
	e.sec, e.key, e.def, e.text = sec, name, def, kd.text
	e.set = func(c *Config, _, v string) (string, error) {
		x, err := kd.parse(v)
		if err != nil {
			return "", err
		}
		*f(c) = x
		if kd.warn != nil {
			return kd.warn(x), nil
		}
		return "", nil
	}
	e.cur = func(c *Config) string { return kd.format(*f(c)) }
	return e
}

// switchOnly is a setting that only a switch sets.
func switchOnly[T any](kd kind[T], f func(*Config) *T) entry[T] { return key("", "", "", kd, f) }

// alsoKey adds the other spelling [sec] name.
func (e entry[T]) alsoKey(sec, name, agree string) entry[T] {
	e.also, e.agree = [2]string{sec, name}, agree
	return e
}

func (e entry[T]) with(s switchSpec) entry[T] {
	e.switches = append(slices.Clone(e.switches), s)
	return e
}

// flag adds a switch without a value that sets the value to.
func (e entry[T]) flag(name, to, group, help string) entry[T] {
	x, err := e.k.parse(to)
	if err != nil {
		panic(fmt.Sprintf("config: /%s=%s: %v", name, to, err))
	}
	return e.with(switchSpec{names: []string{name}, group: group, help: help,
		do: func(p *argParser, _, _ string) error {
			p.set(func(ld *loader, _ string) { *e.f(ld.c) = x })
			return nil
		}})
}

// opt adds a switch whose value reads like the INI key's; its help names
// the default as mailq.ini writes it.
func (e entry[T]) opt(name, arg, group, help string) entry[T] {
	if e.def != "" {
		help += " (default " + e.def + ")"
	}
	return e.optSwitch(name, arg, group, help, e.k)
}

// optKind is opt for a switch that reads its value otherwise (another
// unit); its help names the default in the switch's unit.
func (e entry[T]) optKind(name, arg, group, help string, sk kind[T]) entry[T] {
	if e.def != "" {
		d, err := e.k.parse(e.def)
		if err != nil {
			panic(fmt.Sprintf("config: default %s=%s: %v", e.key, e.def, err))
		}
		help += " (default " + sk.format(d) + ")"
	}
	return e.optSwitch(name, arg, group, help, sk)
}

func (e entry[T]) optSwitch(name, arg, group, help string, sk kind[T]) entry[T] {
	return e.with(switchSpec{names: []string{name}, arg: arg, group: group, help: help, keepSpaces: sk.text,
		do: func(p *argParser, arg, v string) error {
			x, err := sk.parse(v)
			if err != nil {
				return err
			}
			if sk.warn != nil {
				if w := sk.warn(x); w != "" {
					p.warn("%s: %s", arg, w)
				}
			}
			p.set(func(ld *loader, _ string) { *e.f(ld.c) = x })
			return nil
		}})
}

// label adds the summary line "label: value" in the instances in.
func (e entry[T]) label(label string, in modes) entry[T] {
	human := e.k.human
	if human == nil {
		human = e.k.format
	}
	return e.show(in, func(c *Config) []string { return []string{label + ": " + human(*e.f(c))} })
}

// show adds summary lines of a form of their own.
func (e entry[T]) show(in modes, f func(c *Config) []string) entry[T] {
	e.in, e.sum = in, f
	return e
}

// when shows the summary lines only if ok.
func (e entry[T]) when(ok func(c *Config) bool) entry[T] {
	sum := e.sum
	e.sum = func(c *Config) []string {
		if !ok(c) {
			return nil
		}
		return sum(c)
	}
	return e
}

// command is a switch that is not a setting.
func command(names []string, arg, group, help string, do func(p *argParser, arg, v string) error) row {
	return row{switches: []switchSpec{{names: names, arg: arg, group: group, help: help, do: do}}}
}

// The kinds of the table.
var (
	boolK = kind[bool]{parse: parseBool, format: func(b bool) string { return strconv.FormatBool(b) }, human: onOff}
	textK = kind[string]{parse: func(v string) (string, error) { return v, nil }, format: func(v string) string { return v }, text: true}
	portK = intK(parseListenPort)
	// threadK reads thread and worker counts; more than advised is a warning.
	threadK = kind[int]{parse: func(v string) (int, error) { return parseInt(v, 1, maxThreads, "a thread count") },
		format: strconv.Itoa, warn: func(n int) string {
			if n > MaxThreadsAdvised {
				return fmt.Sprintf("%d threads is more than the advised %d", n, MaxThreadsAdvised)
			}
			return ""
		}}
	sizeMBK    = kind[int64]{parse: parseSizeMB, format: formatSize}
	sizeBytesK = kind[int64]{parse: func(v string) (int64, error) { return parseSize(v, 1) }, format: formatSize}
)

func intK(parse func(string) (int, error)) kind[int] {
	return kind[int]{parse: parse, format: strconv.Itoa}
}

// countK is a limit where 0 means off or no limit; what names it in errors.
func countK(what string) kind[int] {
	return intK(func(v string) (int, error) { return parseCount(v, what) })
}

// durK reads durations by rule r.
func durK(r durationRule) kind[time.Duration] {
	return kind[time.Duration]{parse: func(v string) (time.Duration, error) { return parseDuration(v, r) },
		format: formatDuration, human: humanDuration}
}

// unitK is durK written in r's unit where it divides ("24" hours).
func unitK(r durationRule) kind[time.Duration] {
	kd := durK(r)
	kd.format = func(d time.Duration) string {
		if d%r.unit == 0 {
			return strconv.FormatInt(int64(d/r.unit), 10)
		}
		return formatDuration(d)
	}
	return kd
}

func strK(parse func(string) (string, error)) kind[string] {
	return kind[string]{parse: parse, format: func(v string) string { return v }}
}

// table is every row of settings.go, built.
var table = func() []row {
	out := make([]row, len(settings))
	for i, s := range settings {
		out[i] = s.toRow()
	}
	return out
}()

// keyRef is one INI spelling of a row.
type keyRef struct {
	r         *row
	sec, name string
	alias     bool // the row's also spelling
}

// iniKeys are every INI spelling of every setting, in table order.
func iniKeys() []keyRef {
	var out []keyRef
	for i := range table {
		r := &table[i]
		if r.key != "" {
			out = append(out, keyRef{r: r, sec: r.sec, name: r.key})
		}
		if r.also[1] != "" {
			out = append(out, keyRef{r: r, sec: r.also[0], name: r.also[1], alias: true})
		}
	}
	return out
}

// keyIndex finds a setting by section and key, both lower-case.
var keyIndex = func() map[string]keyRef {
	m := map[string]keyRef{}
	for _, k := range iniKeys() {
		m[spellingKey(k.sec, k.name)] = k
	}
	return m
}()

// switchSpecs are every switch, in table order.
var switchSpecs = func() []switchSpec {
	var out []switchSpec
	for _, r := range table {
		out = append(out, r.switches...)
	}
	return out
}()

// Default returns the built-in defaults: what mailq runs with when there is no
// mailq.ini and no switch: every row's default. Paths are relative to the
// current folder; Load makes them absolute, and tests set
// c.Paths = DefaultPaths(t.TempDir()).
func Default() *Config {
	c := &Config{Mode: ModeSMTP, Scripts: Scripts{PerUser: map[string]string{}}}
	for _, r := range table {
		if r.def == "" || r.path != nil {
			continue
		}
		if _, err := r.set(c, "", r.def); err != nil {
			panic(fmt.Sprintf("config: default [%s] %s=%s: %v", r.sec, r.key, r.def, err))
		}
	}
	c.Paths = DefaultPaths(".")
	return c
}

// setKey stores v, read from the INI spelling k, checking it against the
// row's other spelling when both are given.
func (ld *loader) setKey(k keyRef, v string) error {
	r := k.r
	prev, twice := ld.given[r]
	if !twice || prev.name == k.name {
		warn, err := r.set(ld.c, ld.base, v)
		if err != nil {
			return ld.valueErr(k.sec, k.name, v, err)
		}
		if warn != "" {
			ld.warnKey(k.sec, k.name, warn)
		}
		ld.given[r] = k
		return nil
	}
	other := *ld.c
	if _, err := r.set(&other, ld.base, v); err != nil {
		return ld.valueErr(k.sec, k.name, v, err)
	}
	was, now := r.cur(ld.c), r.cur(&other)
	if r.agree != "" {
		if was != now {
			return ld.valueErr(k.sec, k.name, v, expected("the same %s as %s=%s, or only one of the two keys", r.agree, prev.name, was))
		}
		return nil
	}
	keyVal, alsoVal := was, now
	if !k.alias {
		*ld.c = other
		keyVal, alsoVal = now, was
	}
	ld.warn("[%s] %s=%s and [%s] %s=%s are both set; [%s] %s counts",
		r.sec, r.key, keyVal, r.also[0], r.also[1], alsoVal, r.sec, r.key)
	return nil
}

// Summary returns the start-up lines that show the effective configuration
// of this instance, one setting a line, for main to print: the rows'
// summary lines for this instance, in table order.
func (c *Config) Summary() []string {
	var out []string
	switch {
	case c.INIPath == "":
		out = append(out, "INI file: none read (/NOINI)")
	case !c.INIFound:
		out = append(out, fmt.Sprintf("INI file: none found (looked in the current folder and the program's folder); running the built-in quick-start settings; /ADDUSER writes them to %s", c.INIPath))
	default:
		out = append(out, "INI file: "+c.INIPath)
	}
	for _, r := range table {
		if r.sum != nil && r.in&(1<<c.Mode) != 0 {
			out = append(out, r.sum(c)...)
		}
	}
	return out
}
