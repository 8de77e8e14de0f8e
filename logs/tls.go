package logs

// TLS events of the servers. A session under TLS also shows it on every
// later line: SMTP sessions as the module ESMTPS (SMTPConn.TLS), POP3
// sessions as POP3S.

// SMTPTLS records a completed TLS handshake (STARTTLS or implicit TLS).
func (l *Logger) SMTPTLS(c SMTPConn) {
	l.smtp(c, Info, grey, "INFO", "["+c.Client+"] TLS started: "+c.TLS, "tls", c.TLS)
}

// SMTPTLSFailed records a failed TLS handshake, with the reason.
func (l *Logger) SMTPTLSFailed(c SMTPConn, why string) {
	l.smtp(c, Normal, yellow, "WARN", "["+c.Client+"] TLS handshake failed: "+why, "tls-failed", why)
}

// POP3TLS records a completed TLS handshake (STLS or implicit TLS). The
// session's later lines show the module POP3S, until POP3TLSEnded.
func (l *Logger) POP3TLS(id, client, desc string) {
	l.tlsPOP3.Store(id, true)
	l.emit(event{File: FilePOP3, Level: Info, Color: grey, Module: modulePOP3, ID: id, Status: "INFO",
		Text: "[" + client + "] TLS started: " + desc, Fields: []string{client, "", "tls", desc}})
}

// POP3TLSEnded forgets a session recorded by POP3TLS, after its last line.
func (l *Logger) POP3TLSEnded(id string) { l.tlsPOP3.Delete(id) }

// markTLS shows a POP3 session under TLS as the module POP3S.
func (l *Logger) markTLS(e *event) {
	if e.File == FilePOP3 && e.Module == modulePOP3 {
		if _, ok := l.tlsPOP3.Load(e.ID); ok {
			e.Module = modulePOP3 + "S"
		}
	}
}

// POP3TLSFailed records a failed TLS handshake, with the reason.
func (l *Logger) POP3TLSFailed(id, client, why string) {
	l.emit(event{File: FilePOP3, Level: Normal, Color: yellow, Module: modulePOP3, ID: id, Status: "WARN",
		Text: "[" + client + "] TLS handshake failed: " + why, Fields: []string{client, "", "tls-failed", why}})
}
