//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"mailq/internal/testutil"
)

// clientVars fills a client configuration template of testdata/clients.
type clientVars struct {
	Host, Port     string // the server's address
	User, Password string
	Work           string // a private folder of the client's
	Out            string // where the client delivers what it fetches
}

// clientConfig writes testdata/clients/name filled with v into a new file
// (mode 0600: msmtp, mpop and fetchmail refuse a configuration others can
// read) and returns its path.
func clientConfig(t *testing.T, name string, v clientVars) string {
	t.Helper()
	tmpl, err := template.ParseFiles(filepath.Join("testdata", "clients", name))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tmpl.Option("missingkey=error").Execute(&b, v); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sample returns testdata/messages/name.
func sample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "messages", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestBinarySampleMessages: each sample message of testdata/messages,
// uploaded by curl to the binary and filed by the MDA, is in the mailbox
// byte for byte after the header fields mailq adds in front, or as its
// NAME.filed says where mailq repairs it (malformed.eml: a bare LF or CR
// becomes CRLF, RFC 5321 §2.3.8, and the header ends before a line that is
// no header field).
func TestBinarySampleMessages(t *testing.T) {
	t.Parallel()
	curl := testutil.Program(t, "curl")
	dir := clientTree(t)
	in := start(t, dir)
	names := []string{"plain.eml", "mime-attachments.eml", "8bit.eml", "smtputf8.eml", "malformed.eml"}
	for _, name := range names {
		runClient(t, nil, "", curl, "-sS", "--max-time", "30", "smtp://"+in.addr+"/curl.example",
			"--mail-from", "alice@test.example", "--mail-rcpt", "alice@test.example",
			"--user", "alice@test.example:secret", "--upload-file", filepath.Join("testdata", "messages", name))
	}
	popWaitFiles(t, filepath.Join(dir, aliceBox, "*.eml"), len(names))
	files, _ := filepath.Glob(filepath.Join(dir, aliceBox, "*.eml"))
	for _, name := range names {
		id := []byte("\r\nMessage-ID: <" + strings.TrimSuffix(name, ".eml") + "@samples.test>\r\n")
		var got []byte
		for _, f := range files {
			if data, _ := os.ReadFile(f); bytes.Contains(data, id) {
				got = data
			}
		}
		want := sample(t, name)
		if filed, err := os.ReadFile(filepath.Join("testdata", "messages", strings.TrimSuffix(name, ".eml")+".filed")); err == nil {
			want = filed
		}
		if !bytes.HasSuffix(got, want) {
			t.Errorf("%s: the mailbox copy does not end with the message as sent:\n%q\nwant it to end with\n%q", name, got, want)
		}
	}
}
