package config

import "mailq/logs"

// LogLevel is the verbosity of the CSV log files and the console (LogLevel,
// /LOGLEVEL). The logs package defines it, its values and their names once;
// these are its names here.
type LogLevel = logs.Level

const (
	LogOff    = logs.Off
	LogNormal = logs.Normal
	LogInfo   = logs.Info
	LogCrit   = logs.Crit
	LogDebug  = logs.Debug
)
