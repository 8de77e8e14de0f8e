package web

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Message content (raw source, parts, the HTML body) is never served as a
// page of this origin: it gets a policy with the sandbox directive, so even
// opened on its own it runs no script and has no origin (CSP Level 3
// §6.3.2.2 "sandbox").

// contentCSP is the policy of a message's HTML: no scripts (nothing but
// images is allowed at all), inline styles, and images only from the
// message itself (data:) unless remote ones were asked for.
func contentCSP(remoteImages bool) string {
	img := "data:"
	if remoteImages {
		img = "data: https: http:"
	}
	return "sandbox; default-src 'none'; img-src " + img + "; style-src 'unsafe-inline'; font-src data:; frame-ancestors 'self'"
}

// rawCSP is the policy of a raw message and of a downloaded part.
const rawCSP = "sandbox; default-src 'none'"

// handleHTMLPart serves the message's first HTML part for the sandboxed
// iframe of the message page, with remote images only if ?images=1.
func (s *Server) handleHTMLPart(w http.ResponseWriter, r *http.Request, v *viewer) {
	_, id, f, err := s.openMessage(r, v)
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	defer f.Close()
	p := parseMessage(f, false)
	if p.HTMLIndex < 0 {
		s.failPage(w, r, v, errNoPart)
		return
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		s.failPage(w, r, v, err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", contentCSP(r.URL.Query().Get("images") == "1"))
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	err = openPart(f, p.HTMLIndex, func(_ Part, body io.Reader) error {
		_, err := io.Copy(w, body)
		return err
	})
	if err != nil {
		s.opt.Log.Debugf("Web", string(id), "HTML part: %v", err)
	}
}

// handlePart streams part n as a download.
func (s *Server) handlePart(w http.ResponseWriter, r *http.Request, v *viewer) {
	_, mb, id, err := s.findMessage(r, v)
	n, nerr := strconv.Atoi(r.PathValue("n"))
	if err == nil && (nerr != nil || n < 0) {
		err = errNoPart
	}
	if err != nil {
		s.failAny(w, r, v, err)
		return
	}
	f, err := mb.Open(id)
	if err != nil {
		s.failAny(w, r, v, err)
		return
	}
	defer f.Close()
	started := false
	err = openPart(f, n, func(p Part, body io.Reader) error {
		started = true
		name := p.Filename
		if name == "" {
			name = "part-" + strconv.Itoa(n) + extensionFor(p.Type)
		}
		ctype := p.Type
		if strings.HasPrefix(ctype, "text/") {
			ctype += "; charset=utf-8" // go-message decoded it to UTF-8
		}
		h := w.Header()
		h.Set("Content-Security-Policy", rawCSP)
		h.Set("Content-Type", ctype)
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		_, err := io.Copy(w, body)
		return err
	})
	if err != nil && !started {
		s.failAny(w, r, v, err)
	}
}

func extensionFor(mediaType string) string {
	if exts, _ := mime.ExtensionsByType(mediaType); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}

// handleRaw streams the message source as text, or as a download with
// ?download=1.
func (s *Server) handleRaw(w http.ResponseWriter, r *http.Request, v *viewer) {
	_, id, f, err := s.openMessage(r, v)
	if err != nil {
		s.failAny(w, r, v, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Security-Policy", rawCSP)
	if r.URL.Query().Get("download") == "1" {
		h.Set("Content-Type", "message/rfc822")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": string(id) + ".eml"}))
	} else {
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	if st, err := f.Stat(); err == nil {
		h.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	}
	_, _ = io.Copy(w, f)
}

// failAny answers an error as JSON on the API's paths, as a page elsewhere.
func (s *Server) failAny(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.failAPI(w, r, err)
		return
	}
	s.failPage(w, r, v, err)
}
