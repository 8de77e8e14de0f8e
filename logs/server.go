package logs

import "fmt"

// Events of the instance as a whole (start-up, shut-down, configuration). They
// go to the console and server.log under the module "SERVER" unless a module
// is given.

// Banner prints the program line at start.
func (l *Logger) Banner(text string) {
	l.emit(event{Level: Normal, Color: white, Status: "INFO", Text: text})
}

// Config prints one line of the start-up configuration summary.
func (l *Logger) Config(text string) {
	l.emit(event{Level: Normal, Color: grey, Status: "INFO", Text: text})
}

// Startf records an instance or agent starting.
func (l *Logger) Startf(module, format string, args ...any) {
	l.emit(event{Level: Normal, Color: blue, Module: module, Status: "INFO", Text: fmt.Sprintf(format, args...)})
}

// Infof records key information in white (statistics, shut-down...).
func (l *Logger) Infof(module, format string, args ...any) {
	l.emit(event{Level: Normal, Color: white, Module: module, Status: "INFO", Text: fmt.Sprintf(format, args...)})
}

// Warnf records something the administrator should look at.
func (l *Logger) Warnf(module, format string, args ...any) {
	l.emit(event{Level: Normal, Color: yellow, Module: module, Status: "WARN", Text: fmt.Sprintf(format, args...)})
}

// Errorf records an error condition.
func (l *Logger) Errorf(module, format string, args ...any) {
	l.emit(event{Level: Normal, Color: red, Module: module, Status: "FAIL", Text: fmt.Sprintf(format, args...)})
}

// Debugf records debugging detail.
func (l *Logger) Debugf(module, id, format string, args ...any) {
	if !l.enabled(Debug) {
		return
	}
	l.emit(event{Level: Debug, Color: grey, Module: module, ID: id, Status: "DEBUG", Text: fmt.Sprintf(format, args...)})
}
