package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// assetHandler serves the embedded style sheet and script.
func assetHandler() http.Handler {
	sub, _ := fs.Sub(assetFiles, "assets")
	files := http.StripPrefix("/assets/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		files.ServeHTTP(w, r)
	})
}

// pageSet holds one template set per page: the layout and the page's
// "content".
type pageSet struct {
	t map[string]*template.Template
}

var pageNames = []string{"home", "list", "message", "queue", "login", "error"}

var templateFuncs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Local().Format("2006-01-02 15:04")
	},
	"whenp": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return "—"
		}
		return t.Local().Format("2006-01-02 15:04:05")
	},
	"size":   humanSize,
	"esc":    url.PathEscape,
	"add":    func(a, b int) int { return a + b },
	"sender": func(s string) string { return map[bool]string{true: "<>", false: s}[s == ""] },
}

func loadPages() (*pageSet, error) {
	ps := &pageSet{t: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(templateFuncs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		ps.t[name] = t
	}
	return ps, nil
}

// humanSize formats a byte count for people.
func humanSize(n int64) string {
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1024*1024:
		return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KB"
	case n < 1024*1024*1024:
		return strconv.FormatFloat(float64(n)/(1024*1024), 'f', 1, 64) + " MB"
	}
	return strconv.FormatFloat(float64(n)/(1024*1024*1024), 'f', 1, 64) + " GB"
}

// pageData is what every page template gets.
type pageData struct {
	Title   string
	User    string // the account, "" for the local administrator
	Name    string // who is logged in, for the header
	Admin   bool
	CSRF    string
	Live    bool // the page refreshes itself when the tree changes
	Version string
	Data    any
}

// render writes page name, or only its content for the live refresh
// (X-Partial: 1).
func (s *Server) render(w http.ResponseWriter, r *http.Request, v *viewer, status int, name, title string, live bool, data any) {
	pd := pageData{Title: title, Live: live, Version: s.opt.Version, Data: data}
	if v != nil {
		pd.User, pd.Name, pd.Admin, pd.CSRF = v.user, v.Name(), v.admin, v.csrf
	}
	tmpl := "layout"
	if r.Header.Get("X-Partial") == "1" {
		tmpl = "content"
	}
	var buf bytes.Buffer // a page is small; a template error must not send half of one
	if err := s.pages.t[name].ExecuteTemplate(&buf, tmpl, pd); err != nil {
		s.opt.Log.Errorf("Web", "page %s: %v", name, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// failPage answers an error with the error page.
func (s *Server) failPage(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	status, _ := statusOf(err)
	if status == http.StatusInternalServerError {
		s.opt.Log.Errorf("Web", "%s %s: %v", r.Method, r.URL.Path, err)
	}
	s.render(w, r, v, status, "error", http.StatusText(status), false, map[string]any{
		"Status": status, "Message": publicMessage(status, err)})
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
