package confluence

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// adminMux serves /__sim/*: state inspection, fault control and synthetic
// attachments. It needs no credentials and is never fault-injected.
func (s *Server) adminMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /__sim/state", s.adminState)
	mux.Handle("/__sim/faults", s.faults.AdminHandler())
	mux.HandleFunc("POST /__sim/pages/{id}/synthetic-attachment", s.adminSynthetic)
	mux.HandleFunc("POST /__sim/seed", s.adminSeed)
	s.adminPrincipalRoutes(mux)
	return mux
}

// StateDump is the JSON document served at /__sim/state.
type StateDump struct {
	Spaces    []Space     `json:"spaces"`
	Pages     []PageState `json:"pages"`
	Templates []Template  `json:"templates"`
	Users     []User      `json:"users"` // without their tokens
	Groups    []Group     `json:"groups"`
	Requests  int         `json:"requests"`
}

// PageState is one page in a StateDump: its snapshot plus properties and
// attachment metadata.
type PageState struct {
	Page
	Properties  map[string]json.RawMessage `json:"properties"`
	Attachments []Attachment               `json:"attachments"`
}

func (s *Server) adminState(w http.ResponseWriter, r *http.Request) {
	var d StateDump
	s.mu.RLock()
	for _, sp := range s.sortedSpaces() {
		d.Spaces = append(d.Spaces, Space{ID: sp.id, Key: sp.key, Name: sp.name})
	}
	for _, p := range s.sortedPages() {
		var e PageState
		e.Page = s.pageSnapshot(p)
		e.Properties = map[string]json.RawMessage{}
		for _, pr := range p.props {
			e.Properties[pr.key] = pr.value
		}
		e.Attachments = []Attachment{}
		for _, a := range p.atts {
			e.Attachments = append(e.Attachments, a.snapshot())
		}
		d.Pages = append(d.Pages, e)
	}
	d.Templates = s.templateSnapshots()
	s.mu.RUnlock()
	for _, u := range s.Users() {
		u.Token = ""
		d.Users = append(d.Users, u)
	}
	d.Groups = s.Groups()
	d.Requests = s.Requests()
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) adminSynthetic(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, name := r.PathValue("id"), q.Get("name")
	size, err := strconv.ParseInt(q.Get("size"), 10, 64)
	if name == "" || err != nil || size < 0 {
		http.Error(w, "need ?name=<file>&size=<bytes>[&type=<media type>]", http.StatusBadRequest)
		return
	}
	if _, ok := s.Page(id); !ok {
		http.Error(w, "no page "+id, http.StatusNotFound)
		return
	}
	mt := q.Get("type")
	if mt == "" {
		mt = "application/octet-stream"
	}
	writeJSON(w, http.StatusOK, s.AddSyntheticAttachment(id, name, mt, size))
}
