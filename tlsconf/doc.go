// Package tlsconf owns the server's certificate and the TLS settings of
// every connection mailq makes or accepts: it loads a PEM certificate chain
// and key (re-reading them when the files change), generates a self-signed
// certificate on first start when none is configured, and builds the
// *tls.Config values the SMTP and POP3 servers and the MXA client use.
//
// All cryptography is crypto/tls and crypto/x509; nothing here is hand-made.
// tlsconf touches only its own files (the certificate and key); it knows no
// protocol and imports no project package but internal/osfile (the lock
// that lets two instances start together).
package tlsconf
