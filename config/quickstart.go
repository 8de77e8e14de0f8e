package config

import _ "embed"

// QuickStartINI is the configuration used when there is no mailq.ini: a
// private test server on 127.0.0.1 (SMTP on port 2525, POP3 on 1100) for the
// domains localhost and localhost.com. Account commands write it out as the
// new mailq.ini, so it is a commented file meant to be read and edited.
//
//go:embed quickstart.ini
var QuickStartINI []byte
