package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"path"

	"github.com/collecte-cacem/collecte/archive"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pageNames lists the templates under templates/, each rendered inside
// layout.html with the definitions of parts.html.
var pageNames = []string{
	"home", "search", "address", "removed", "timeline", "snapshot", "missing", "error",
}

// pages are parsed once. Each server executes clones of them made by
// pagesUnder, because html/template cannot clone a template once executed.
var pages = parsePages()

func parsePages() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t := template.New(name).Funcs(templateFuncs)
		t = template.Must(t.ParseFS(templateFiles,
			"templates/layout.html", "templates/parts.html", "templates/"+name+".html"))
		out[name] = t
	}
	return out
}

// pagesUnder returns clones of pages whose "base" and "addressURL" functions
// put base, the path of the public URL, before every root-relative link.
func pagesUnder(base string) map[string]*template.Template {
	funcs := template.FuncMap{
		"base":       func() string { return base },
		"addressURL": func(key string) string { return base + addressURL(key) },
	}
	out := make(map[string]*template.Template, len(pages))
	for name, t := range pages {
		out[name] = template.Must(t.Clone()).Funcs(funcs)
	}
	return out
}

// page is what the layout needs from every page.
type page struct {
	Title string
	// Section names the navigation link marked as the current page.
	Section string
}

func (s *server) newPage(title, section string) page {
	return page{Title: clean(title), Section: section}
}

// render executes a page into a buffer first, so a template error gives a
// clean 500 response instead of half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var b bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&b, "layout", data); err != nil {
		s.log.Error("render page", "page", name, "path", r.URL.Path, "error", err)
		http.Error(w, "Erreur interne du serveur.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

type errorPage struct {
	page
	Status  int
	Message string
}

func (s *server) errorPage(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	s.render(w, r, status, "error", errorPage{
		page:    s.newPage(title, ""),
		Status:  status,
		Message: message,
	})
}

// notFound answers every request that no route matches: 405 for a method
// other than GET and HEAD, which no page accepts, and a 404 page otherwise.
func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.errorPage(w, r, http.StatusMethodNotAllowed, "Méthode non autorisée",
			"Ce site se consulte seulement en lecture.")
		return
	}
	s.errorPage(w, r, http.StatusNotFound, "Page introuvable",
		"Cette page n'existe pas. Cherchez une rue depuis la page d'accueil.")
}

// fail answers a request that the archive could not serve: 503 for an
// archive without a snapshot yet, 500 with the error logged otherwise.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, archive.ErrEmpty) {
		w.Header().Set("Retry-After", "3600")
		s.errorPage(w, r, http.StatusServiceUnavailable, "Aucun instantané",
			"L'archive ne contient encore aucun instantané : revenez après la première collecte des données.")
		return
	}
	s.log.Error("serve page", "path", r.URL.Path, "error", err)
	s.errorPage(w, r, http.StatusInternalServerError, "Erreur interne",
		"La lecture de l'archive a échoué. L'erreur est enregistrée dans le journal du serveur.")
}

// currentOrError returns the snapshot at HEAD, or answers the request with
// an error page and returns false.
func (s *server) currentOrError(w http.ResponseWriter, r *http.Request) (*current, bool) {
	cur, err := s.store.current()
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return cur, true
}

// serveStatic serves the embedded files under static/.
func (s *server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	data, err := fs.ReadFile(staticFiles, path.Join("static", name))
	if err != nil {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", staticType(name))
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(data)
}

func staticType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return "application/octet-stream"
}
