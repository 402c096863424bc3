package confluence

import (
	"sort"
	"strconv"
	"time"
)

// Content (page) templates exist on the v1 API only; see the package doc,
// "Content templates", for the wire contract. This file holds the model
// and the Go API; templates_http.go serves REST.

// Template is a snapshot of a simulated content (page) template.
type Template struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	SpaceKey    string    `json:"spaceKey,omitempty"` // "" for a global template
	Labels      []string  `json:"labels"`
	Body        string    `json:"body"`    // storage format
	Updates     int       `json:"updates"` // successful REST updates since creation
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"` // CreatedAt until the first update
}

type template struct {
	id, name, description string
	spaceKey              string // "" = global
	body                  string
	labels                []label
	updates               int
	createdAt, updatedAt  time.Time
}

// templateStore holds the templates; its zero value is ready to use.
// Guarded by Server.mu like the rest of the model.
type templateStore struct {
	byID map[string]*template
	seq  int // last id handed out; 0 until the first template
}

// firstTemplateID is where template ids start: a range of their own, so
// that creating templates never shifts the ids of pages, labels or
// attachments that tests rely on.
const firstTemplateID = 600001

func (st *templateStore) add(t *template) {
	if st.byID == nil {
		st.byID = map[string]*template{}
		st.seq = firstTemplateID - 1
	}
	st.seq++
	t.id = strconv.Itoa(st.seq)
	st.byID[t.id] = t
}

func (st *templateStore) get(id string) *template { return st.byID[id] }

func (st *templateStore) remove(id string) { delete(st.byID, id) }

// sorted returns the templates in id order, which is creation order and
// the order lists are answered in.
func (st *templateStore) sorted() []*template {
	out := make([]*template, 0, len(st.byID))
	for _, t := range st.byID {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].id, out[j].id) })
	return out
}

func (t *template) snapshot() Template {
	labels := make([]string, len(t.labels))
	for i, l := range t.labels {
		labels[i] = l.name
	}
	return Template{ID: t.id, Name: t.name, Description: t.description, SpaceKey: t.spaceKey, Labels: labels,
		Body: t.body, Updates: t.updates, CreatedAt: t.createdAt, UpdatedAt: t.updatedAt}
}

// Templates returns snapshots of every content template, global and
// space ones, in creation order.
func (s *Server) Templates() []Template {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.templateSnapshots()
}

// templateSnapshots is Templates with s.mu held.
func (s *Server) templateSnapshots() []Template {
	out := []Template{}
	for _, t := range s.templates.sorted() {
		out = append(out, t.snapshot())
	}
	return out
}

// TemplateByName returns the template of that name in the space (spaceKey
// "" for global templates). Confluence does not make names unique, so
// when several match the oldest one is returned.
func (s *Server) TemplateByName(spaceKey, name string) (Template, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, t := range s.templates.sorted() {
		if t.spaceKey == spaceKey && t.name == name {
			return t.snapshot(), true
		}
	}
	return Template{}, false
}
