package confluence

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Content states: Confluence Cloud's status lozenge ("Rough draft", "Ready
// for review", ...), REST v1 only and Cloud only (DC answers 404):
//
//	GET|PUT|DELETE /wiki/rest/api/content/{id}/state?status=current|draft
//	GET /wiki/rest/api/content/{id}/state/available
//	GET /wiki/rest/api/content-states                      the caller's custom states
//	GET /wiki/rest/api/space/{key}/state                   the space's states
//	GET /wiki/rest/api/space/{key}/state/settings
//	GET /wiki/rest/api/space/{key}/state/content?state-id= pages with that state
//
// A page has a published (current) state and a draft state. Setting or
// removing the published state publishes a new page version with the
// body and title unchanged, authored by the caller, and fires
// page_updated; the draft state follows the published one then, as the
// draft is in sync with a page just published. A draft-only change makes
// no version. Removing a state the page does not have changes nothing.
//
// PUT takes {"id":N} (a state of the page's space, or one of the caller's
// custom states; confluence.js sends the id as a string) or
// {"name","color"} (the space state of that name and color, else the
// caller's custom state of that name and color, else a new custom state).
// Names are 1..20 characters, colors #RRGGBB. The X-Atlassian-Token
// header is not required: like the other JSON writes of the simulator
// (labels, properties, restrictions) these are not XSRF-checked; only
// multipart uploads are. confluence.js 2.x does not send it here.

// ContentState is a content state: the status lozenge of a Confluence
// Cloud page. Ids 0, 1 and 2 are the default space states; custom states
// get ids from 10 up.
type ContentState struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"` // #rrggbb
}

// defaultSpaceStates are the states every space starts with. Names follow
// Atlassian's documentation; the colors are the simulator's choice from
// the UI palette.
var defaultSpaceStates = []ContentState{
	{ID: 0, Name: "Rough draft", Color: "#ff7452"},
	{ID: 1, Name: "In progress", Color: "#ffc400"},
	{ID: 2, Name: "Ready for review", Color: "#2684ff"},
}

const (
	firstCustomStateID = 10
	maxStateName       = 20 // characters
	maxRecentCustom    = 3  // custom states .../state/available lists, as the editor does
)

var stateColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// validState checks a state's name and color; the color comes back in
// lower case.
func validState(name, color string) (string, string, error) {
	switch {
	case strings.TrimSpace(name) == "":
		return "", "", fmt.Errorf("a content state needs a name")
	case utf8.RuneCountInString(name) > maxStateName:
		return "", "", fmt.Errorf("content state name %q is longer than %d characters", name, maxStateName)
	case !stateColor.MatchString(color):
		return "", "", fmt.Errorf("content state color %q is not of the form #RRGGBB", color)
	}
	return name, strings.ToLower(color), nil
}

// stateRef is how a write names a state: by id, or by name and color.
type stateRef struct {
	id          int
	byID        bool
	name, color string
}

// resolveState finds or creates the state ref names for accountID on p,
// and marks a custom state as the caller's most recently used. Call with
// s.mu held.
func (s *Server) resolveState(p *page, accountID string, ref stateRef) (ContentState, error) {
	sp := s.spaceByID(p.spaceID)
	if ref.byID {
		for _, st := range sp.states {
			if st.ID == ref.id {
				return st, nil
			}
		}
		for _, st := range s.customStates[accountID] {
			if st.ID == ref.id {
				s.useCustomState(accountID, st)
				return st, nil
			}
		}
		return ContentState{}, fmt.Errorf("no content state with id %d is available in space %s", ref.id, sp.key)
	}
	name, color, err := validState(ref.name, ref.color)
	if err != nil {
		return ContentState{}, err
	}
	for _, st := range sp.states {
		if st.Name == name && st.Color == color {
			return st, nil
		}
	}
	for _, st := range s.customStates[accountID] {
		if st.Name == name && st.Color == color {
			s.useCustomState(accountID, st)
			return st, nil
		}
	}
	s.stateSeq++
	st := ContentState{ID: s.stateSeq, Name: name, Color: color}
	s.useCustomState(accountID, st)
	return st, nil
}

// useCustomState puts st first in the account's custom states.
func (s *Server) useCustomState(accountID string, st ContentState) {
	list := []ContentState{st}
	for _, x := range s.customStates[accountID] {
		if x.ID != st.ID {
			list = append(list, x)
		}
	}
	s.customStates[accountID] = list
}

// setState puts st on p's draft, or on the published page, which
// publishes a new version by actorID. It returns the page's version
// afterwards. Call with s.mu held.
func (s *Server) setState(p *page, st ContentState, draft bool, actorID string) int {
	d := st
	p.draftState = &d
	if !draft {
		c := st
		p.state = &c
		s.publishStateChange(p, actorID)
	}
	return p.current().number
}

// removeState clears p's draft or published state (the latter publishes
// a new version by actorID) and returns the page's version afterwards.
// Removing a state the page does not have changes nothing. Call with s.mu
// held.
func (s *Server) removeState(p *page, draft bool, actorID string) int {
	if draft {
		p.draftState = nil
	} else if p.state != nil {
		p.state, p.draftState = nil, nil
		s.publishStateChange(p, actorID)
	}
	return p.current().number
}

// publishStateChange publishes p again, body and title unchanged, as
// Confluence does on a content state change, and fires page_updated.
func (s *Server) publishStateChange(p *page, actorID string) {
	cur := p.current()
	s.appendVersion(p, cur.title, cur.body, actorID, "", false)
	p.stateAt = p.current().createdAt
	s.emitPageEvent("page_updated", actorID, p, nil)
}

// SetContentState sets the published page's content state by name and
// color (a space state of that name and color, else authorID's custom
// state, created when new), as authorID would in the editor: no
// restriction check. It publishes a new version with the body unchanged,
// fires page_updated, and returns the new version number.
func (s *Server) SetContentState(pageID, name, color, authorID string) (int, error) {
	return s.setStateAPI(pageID, stateRef{name: name, color: color}, authorID)
}

// SetSpaceContentState is SetContentState with one of the page's space
// states (or one of authorID's custom states), named by id.
func (s *Server) SetSpaceContentState(pageID string, stateID int, authorID string) (int, error) {
	return s.setStateAPI(pageID, stateRef{id: stateID, byID: true}, authorID)
}

func (s *Server) setStateAPI(pageID string, ref stateRef, authorID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.knownPage(pageID)
	if err != nil {
		return 0, err
	}
	st, err := s.resolveState(p, authorID, ref)
	if err != nil {
		return 0, fmt.Errorf("page %s: %w", pageID, err)
	}
	return s.setState(p, st, false, authorID), nil
}

// RemoveContentState removes the published page's content state as
// authorID, which publishes a new version (fires page_updated), and
// returns the page's version afterwards. A page without a state is left
// as it is.
func (s *Server) RemoveContentState(pageID, authorID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.knownPage(pageID)
	if err != nil {
		return 0, err
	}
	return s.removeState(p, false, authorID), nil
}

func (s *Server) routesStates(mux *http.ServeMux, h *v1, prefix string) {
	mux.HandleFunc("GET "+prefix+"/content/{id}/state", h.getContentState)
	mux.HandleFunc("PUT "+prefix+"/content/{id}/state", h.putContentState)
	mux.HandleFunc("DELETE "+prefix+"/content/{id}/state", h.deleteContentState)
	mux.HandleFunc("GET "+prefix+"/content/{id}/state/available", h.availableContentStates)
	mux.HandleFunc("GET "+prefix+"/content-states", h.customContentStates)
	mux.HandleFunc("GET "+prefix+"/space/{key}/state", h.spaceContentStates)
	mux.HandleFunc("GET "+prefix+"/space/{key}/state/settings", h.contentStateSettings)
	mux.HandleFunc("GET "+prefix+"/space/{key}/state/content", h.contentWithState)
}

// stateStatus reads ?status=: "current" (the default) or "draft"; reads
// also accept "archived", which answers the published state. Anything
// else is a 400, written here.
func stateStatus(w http.ResponseWriter, r *http.Request) (draft, ok bool) {
	switch st := r.URL.Query().Get("status"); st {
	case "", "current":
		return false, true
	case "draft":
		return true, true
	case "archived":
		if r.Method == http.MethodGet {
			return false, true
		}
		fallthrough
	default:
		writeV1Error(w, http.StatusBadRequest, "Invalid status: "+st+" (current or draft)")
		return false, false
	}
}

// stateResponse is the ContentStateResponse body: contentState and
// lastUpdated are null when there is none.
func stateResponse(p *page, draft bool) map[string]any {
	st := p.state
	if draft {
		st = p.draftState
	}
	var cs, at any
	if st != nil {
		cs = *st
	}
	if !p.stateAt.IsZero() {
		at = p.stateAt.Format(timeLayout)
	}
	return map[string]any{"contentState": cs, "lastUpdated": at}
}

func (h *v1) getContentState(w http.ResponseWriter, r *http.Request) {
	draft, ok := stateStatus(w, r)
	if !ok {
		return
	}
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	if p := h.s.readablePage(w, r, r.PathValue("id"), writeV1Error); p != nil {
		writeJSON(w, http.StatusOK, stateResponse(p, draft))
	}
}

// flexStateID decodes a state id sent as a JSON number or as a string of
// digits (confluence.js types it as a string); null or "" mean none.
type flexStateID struct {
	n   int
	set bool
}

func (f *flexStateID) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("content state id %q is not a number", s)
		}
		*f = flexStateID{n: n, set: true}
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("content state id %s is not a number", b)
	}
	*f = flexStateID{n: n, set: true}
	return nil
}

// putContentState sets the state from {"id"} or {"name","color"}; an id
// wins when both are sent.
func (h *v1) putContentState(w http.ResponseWriter, r *http.Request) {
	draft, ok := stateStatus(w, r)
	if !ok {
		return
	}
	var req struct {
		ID    flexStateID `json:"id"`
		Name  string      `json:"name"`
		Color string      `json:"color"`
	}
	if !decodeJSON(w, r, &req, writeV1Error) {
		return
	}
	if !req.ID.set && req.Name == "" && req.Color == "" {
		writeV1Error(w, http.StatusBadRequest, "A content state is required: an id, or a name and a color")
		return
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	p := h.s.editablePage(w, r, writeV1Error)
	if p == nil {
		return
	}
	st, err := h.s.resolveState(p, actor(r), stateRef{id: req.ID.n, byID: req.ID.set, name: req.Name, color: req.Color})
	if err != nil {
		writeV1Error(w, http.StatusBadRequest, err.Error())
		return
	}
	h.s.setState(p, st, draft, actor(r))
	writeJSON(w, http.StatusOK, stateResponse(p, draft))
}

func (h *v1) deleteContentState(w http.ResponseWriter, r *http.Request) {
	draft, ok := stateStatus(w, r)
	if !ok {
		return
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	p := h.s.editablePage(w, r, writeV1Error)
	if p == nil {
		return
	}
	h.s.removeState(p, draft, actor(r))
	writeJSON(w, http.StatusOK, stateResponse(p, draft))
}

// availableContentStates lists the space's states and the caller's three
// most recently used custom states; it needs edit permission, as on
// Cloud.
func (h *v1) availableContentStates(w http.ResponseWriter, r *http.Request) {
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	p := h.s.editablePage(w, r, writeV1Error)
	if p == nil {
		return
	}
	custom := h.s.customStates[actor(r)]
	custom = custom[:min(len(custom), maxRecentCustom)]
	writeJSON(w, http.StatusOK, map[string]any{
		"spaceContentStates":  append([]ContentState{}, h.s.spaceByID(p.spaceID).states...),
		"customContentStates": append([]ContentState{}, custom...),
	})
}

func (h *v1) customContentStates(w http.ResponseWriter, r *http.Request) {
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	writeJSON(w, http.StatusOK, append([]ContentState{}, h.s.customStates[actor(r)]...))
}

// stateSpace looks up the space of a .../space/{key}/state route; it
// writes the 404 itself. Call with s.mu held.
func (h *v1) stateSpace(w http.ResponseWriter, r *http.Request) *space {
	sp := h.s.spaceByKey(r.PathValue("key"))
	if sp == nil {
		writeV1Error(w, http.StatusNotFound, "No space with key : "+r.PathValue("key"))
	}
	return sp
}

func (h *v1) spaceContentStates(w http.ResponseWriter, r *http.Request) {
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	if sp := h.stateSpace(w, r); sp != nil {
		writeJSON(w, http.StatusOK, append([]ContentState{}, sp.states...))
	}
}

// contentStateSettings answers the space's settings: in the simulator
// every kind of state is allowed everywhere.
func (h *v1) contentStateSettings(w http.ResponseWriter, r *http.Request) {
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	if sp := h.stateSpace(w, r); sp != nil {
		writeJSON(w, http.StatusOK, map[string]any{
			"contentStatesAllowed": true, "customContentStatesAllowed": true, "spaceContentStatesAllowed": true,
			"spaceContentStates": append([]ContentState{}, sp.states...),
		})
	}
}

// contentWithState lists the space's pages the caller may see whose
// published state has the id ?state-id= names (v1 content, start/limit).
func (h *v1) contentWithState(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.URL.Query().Get("state-id"))
	if err != nil {
		writeV1Error(w, http.StatusBadRequest, "state-id must be a content state id")
		return
	}
	expand := multiValues(r, "expand")
	h.s.mu.RLock()
	sp := h.stateSpace(w, r)
	if sp == nil {
		h.s.mu.RUnlock()
		return
	}
	items := []any{}
	for _, p := range h.s.sortedPages() {
		if p.spaceID != sp.id || p.state == nil || p.state.ID != id {
			continue
		}
		if _, ok := h.s.visiblePage(r, p.id); ok {
			items = append(items, h.content(p, p.current(), expand, actor(r)))
		}
	}
	h.s.mu.RUnlock()
	h.s.writeV1List(w, r, h.ctx, items, 25)
}
