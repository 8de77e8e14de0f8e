package config

import (
	"fmt"
	"strings"
)

// HelpText is the /? screen: every switch with its meaning, by group, and
// where the configuration file is looked up. exe is the program's name as
// invoked.
func HelpText(exe string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s [switches]\n\n", exe)
	b.WriteString("Run with no switches to start the SMTP instance; add /POP for the POP3 instance.\n")
	b.WriteString("A switch may be written /PORT:2525, /PORT=2525, -port=2525 or --port:2525,\n")
	b.WriteString("in any case. Switches override mailq.ini.\n")
	for _, g := range switchGroups {
		fmt.Fprintf(&b, "\n%s:\n", g)
		for _, s := range switchSpecs {
			if s.group != g {
				continue
			}
			writeEntry(&b, usage(s), s.help)
		}
	}
	b.WriteString("\nConfiguration file:\n")
	b.WriteString("  The settings are read from the file named by /INI:path, else from mailq.ini\n")
	b.WriteString("  in the current folder, else from mailq.ini in the program's folder. Relative\n")
	b.WriteString("  paths in it are relative to its folder. Without one, built-in quick-start\n")
	b.WriteString("  settings are used (SMTP on 127.0.0.1:2525, POP3 on 127.0.0.1:1100), and\n")
	b.WriteString("  /ADDUSER writes them to mailq.ini in the program's folder (the current\n")
	b.WriteString("  folder under \"go run\"), where later runs find it; /INIT:domain writes\n")
	b.WriteString("  one for a domain there instead.\n")
	return b.String()
}

// usage is the left column: "/ADDUSER:address", "/? /H /HELP", "/STOP[:SMTP|POP]".
func usage(s switchSpec) string {
	names := make([]string, len(s.names))
	for i, n := range s.names {
		names[i] = "/" + n
	}
	u := strings.Join(names, " ")
	switch {
	case strings.HasPrefix(s.arg, "["):
		u += "[:" + s.arg[1:]
	case s.arg != "":
		u += ":" + s.arg
	}
	return u
}

// Layout of a help entry: the switch in a left column, its meaning wrapped
// in a right column so that no line is wider than helpWidth.
const (
	helpColumn = 27
	helpWidth  = 80
)

func writeEntry(b *strings.Builder, left, text string) {
	line := "  " + left
	if len(line) >= helpColumn-1 {
		b.WriteString(line + "\n")
		line = ""
	}
	for _, w := range strings.Fields(text) {
		if len(line) > helpColumn && len(line)+1+len(w) > helpWidth {
			b.WriteString(line + "\n")
			line = ""
		}
		if len(line) < helpColumn {
			line += strings.Repeat(" ", helpColumn-len(line)) + w
		} else {
			line += " " + w
		}
	}
	b.WriteString(line + "\n")
}
