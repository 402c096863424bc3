package confluence

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
)

// Page restrictions (v1 only, as on Confluence): read and update, each a
// list of users and groups; an empty pair means unrestricted. A read
// restriction hides the page (404) from everyone not listed, and it
// cascades: a reader must pass the read restriction of the page and of
// every ancestor, besides the space's read permission. An update
// restriction turns writes by anyone not listed into 403, while reads go
// on working; it applies to its page only. The restriction API shows a
// page's own restrictions, never inherited ones, as Confluence's does.

var restrictionOps = []string{"read", "update"}

// allowed reports whether the account passes the page's restriction for op.
func (s *Server) allowed(p *page, op, accountID string) bool {
	r := p.restrictions[op]
	if r.empty() {
		return true
	}
	if contains(r.users, accountID) {
		return true
	}
	for _, g := range r.groups {
		if s.inGroup(accountID, g) {
			return true
		}
	}
	return false
}

// validRestrictionOp reports whether op (from the path) is read or
// update; it writes the v1 400 itself when not.
func validRestrictionOp(w http.ResponseWriter, op string) bool {
	if !contains(restrictionOps, op) {
		writeV1Error(w, http.StatusBadRequest, "Invalid operation: "+op+" (read or update)")
		return false
	}
	return true
}

// restrictionFor returns the page's restriction for op, adding an empty
// one first when there is none, so that writers can add users and groups
// to it.
func (p *page) restrictionFor(op string) *restriction {
	if p.restrictions == nil {
		p.restrictions = map[string]*restriction{}
	}
	r := p.restrictions[op]
	if r == nil {
		r = &restriction{}
		p.restrictions[op] = r
	}
	return r
}

// canView reports whether the account may read the page: it needs the
// space's read permission and must pass the read restriction of the page
// and of each of its ancestors. Call with s.mu held.
func (s *Server) canView(p *page, accountID string) bool {
	if !s.spaceReadable(s.spaceByID(p.spaceID), accountID) {
		return false
	}
	return s.passesReadChain(p, func(q *page) bool { return s.allowed(q, "read", accountID) })
}

// passesReadChain reports whether pass holds for the page and for every
// ancestor; the walk is bounded so that a broken parent chain cannot hang
// it.
func (s *Server) passesReadChain(p *page, pass func(*page) bool) bool {
	for q, n := p, 0; q != nil && n <= len(s.pages); n++ {
		if !pass(q) {
			return false
		}
		if q.parentID == "" {
			break
		}
		q = s.pages[q.parentID]
	}
	return true
}

func (s *Server) canEdit(p *page, accountID string) bool {
	return s.canView(p, accountID) && s.allowed(p, "update", accountID)
}

func forbiddenMessage(id string) string {
	return "User is not permitted to edit content with id " + id + ": an update restriction applies"
}

// editablePage looks the page up for a write by r's caller. It writes the
// 404 (unknown, trashed or invisible) or 403 (restricted) itself, with
// the given error writer, and returns nil then. Call with s.mu held.
func (s *Server) editablePage(w http.ResponseWriter, r *http.Request, writeErr errorWriter) *page {
	id := r.PathValue("id")
	p, ok := s.pages[id]
	who := actor(r)
	if !ok || p.status != "current" || !s.canView(p, who) {
		writeErr(w, http.StatusNotFound, pageNotFound(id))
		return nil
	}
	if !s.canEdit(p, who) {
		writeErr(w, http.StatusForbidden, forbiddenMessage(id))
		return nil
	}
	return p
}

// visiblePage looks the page up for a read; a page the caller may not
// see, or one in the trash, is a 404. Call with s.mu held.
func (s *Server) visiblePage(r *http.Request, id string) (*page, bool) {
	p, ok := s.pages[id]
	if !ok || p.status != "current" || !s.canView(p, actor(r)) {
		return nil, false
	}
	return p, true
}

// readablePage is visiblePage for a handler: it writes the 404 itself,
// with the surface's error writer, and returns nil then. Call with s.mu
// held.
func (s *Server) readablePage(w http.ResponseWriter, r *http.Request, id string, writeErr errorWriter) *page {
	p, ok := s.visiblePage(r, id)
	if !ok {
		writeErr(w, http.StatusNotFound, pageNotFound(id))
		return nil
	}
	return p
}

// pageForMethod looks up the page of a route that serves both reads and
// writes: GET needs only to see the page, any other method needs edit
// permission. It writes the error itself and returns nil then. Call with
// s.mu held.
func (s *Server) pageForMethod(w http.ResponseWriter, r *http.Request, writeErr errorWriter) *page {
	if r.Method == http.MethodGet {
		return s.readablePage(w, r, r.PathValue("id"), writeErr)
	}
	return s.editablePage(w, r, writeErr)
}

// Restrictions is a snapshot of a page's restrictions (account ids and
// group names), for tests.
type Restrictions struct {
	ReadUsers, ReadGroups, UpdateUsers, UpdateGroups []string
}

// Restrictions returns the page's restrictions; false for an unknown page.
func (s *Server) Restrictions(pageID string) (Restrictions, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.pages[pageID]
	if !ok {
		return Restrictions{}, false
	}
	var out Restrictions
	if r := p.restrictions["read"]; r != nil {
		out.ReadUsers, out.ReadGroups = append([]string(nil), r.users...), append([]string(nil), r.groups...)
	}
	if r := p.restrictions["update"]; r != nil {
		out.UpdateUsers, out.UpdateGroups = append([]string(nil), r.users...), append([]string(nil), r.groups...)
	}
	return out, true
}

// SetRestriction replaces one operation's restriction ("read" or
// "update"), as a site admin would; it fires content_permissions_updated.
// Users may be named as in restriction bodies (account id, email, local
// part), groups by name or id.
func (s *Server) SetRestriction(pageID, op string, users, groups []string) error {
	if op != "read" && op != "update" {
		return fmt.Errorf("confluence simulator: unknown restriction operation %q", op)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.knownPage(pageID)
	if err != nil {
		return err
	}
	if p.restrictions == nil {
		p.restrictions = map[string]*restriction{}
	}
	us, gs := make([]string, len(users)), make([]string, len(groups))
	for i, u := range users {
		us[i] = s.resolveUser(u)
	}
	for i, g := range groups {
		gs[i] = s.resolveGroup(g)
	}
	p.restrictions[op] = &restriction{users: dedupe(us), groups: dedupe(gs)}
	s.emitPageEvent("content_permissions_updated", adminAccount, p, nil)
	return nil
}

func dedupe(in []string) []string {
	var out []string
	for _, v := range in {
		if v != "" && !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func (s *Server) routesRestrictions(mux *http.ServeMux, h *v1, prefix string) {
	base := prefix + "/content/{id}/restriction"
	mux.HandleFunc("GET "+base, h.getRestrictions)
	mux.HandleFunc("PUT "+base, h.writeRestrictions)
	mux.HandleFunc("POST "+base, h.writeRestrictions)
	mux.HandleFunc("DELETE "+base, h.writeRestrictions)
	mux.HandleFunc("GET "+base+"/byOperation", h.getRestrictionsByOp)
	mux.HandleFunc("GET "+base+"/byOperation/{op}", h.getRestrictionsByOp)
	for _, sub := range []string{"/user", "/group/{group}", "/byGroupId/{group}"} {
		mux.HandleFunc("GET "+base+"/byOperation/{op}"+sub, h.restrictionMember)
		mux.HandleFunc("PUT "+base+"/byOperation/{op}"+sub, h.restrictionMember)
		mux.HandleFunc("DELETE "+base+"/byOperation/{op}"+sub, h.restrictionMember)
	}
}

// restrictionOp is the v1 ContentRestriction object for one operation.
func (h *v1) restrictionOp(p *page, op string) map[string]any {
	r := p.restrictions[op]
	if r == nil {
		r = &restriction{}
	}
	users := []any{}
	for _, u := range r.users {
		users = append(users, h.user(u))
	}
	groups := []any{}
	for _, g := range r.groups {
		groups = append(groups, h.group(g))
	}
	return map[string]any{
		"operation":    op,
		"restrictions": map[string]any{"user": wholeV1List(users, 200), "group": wholeV1List(groups, 200)},
		"content":      pageRef(p),
		"_expandable":  map[string]any{},
		"_links":       h.links("/rest/api/content/" + p.id + "/restriction/byOperation/" + op),
	}
}

// expandedRestrictions is a content object's "restrictions" expansion:
// each operation asked for (restrictions.read, …) as its
// ContentRestriction, its user and group lists only where expanded
// (restrictions.read.restrictions.user); the rest left in _expandable.
func (h *v1) expandedRestrictions(p *page, expand []string) map[string]any {
	out := map[string]any{}
	left := map[string]any{}
	for _, op := range restrictionOps {
		opExpand, ok := subExpansions(expand, op)
		if !ok {
			left[op] = "/rest/api/content/" + p.id + "/restriction/byOperation/" + op
			continue
		}
		r := h.restrictionOp(p, op)
		listExpand, _ := subExpansions(opExpand, "restrictions")
		lists := r["restrictions"].(map[string]any)
		unlisted := map[string]any{}
		for _, kind := range []string{"user", "group"} {
			if !contains(listExpand, kind) {
				delete(lists, kind)
				unlisted[kind] = ""
			}
		}
		lists["_expandable"] = unlisted
		out[op] = r
	}
	out["_expandable"] = left
	out["_links"] = h.links("/rest/api/content/" + p.id + "/restriction/byOperation")
	return out
}

func (h *v1) restrictionList(p *page) map[string]any {
	items := []any{}
	for _, op := range restrictionOps {
		items = append(items, h.restrictionOp(p, op))
	}
	out := wholeV1List(items, 100)
	out["restrictionsHash"] = restrictionsHash(p)
	out["_links"] = h.links("/rest/api/content/" + p.id + "/restriction")
	return out
}

// restrictionsHash is the ContentRestrictionArray's restrictionsHash: a
// digest of who is listed for each operation, so that it changes exactly
// when the restrictions do.
func restrictionsHash(p *page) string {
	h := sha256.New()
	for _, op := range restrictionOps {
		r := p.restrictions[op]
		if r == nil {
			r = &restriction{}
		}
		users, groups := slices.Sorted(slices.Values(r.users)), slices.Sorted(slices.Values(r.groups))
		fmt.Fprintf(h, "%s\x00%q\x00%q\x00", op, users, groups)
	}
	return hex.EncodeToString(h.Sum(nil))[:40]
}

func (h *v1) getRestrictions(w http.ResponseWriter, r *http.Request) {
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	p := h.s.readablePage(w, r, r.PathValue("id"), writeV1Error)
	if p == nil {
		return
	}
	writeJSON(w, http.StatusOK, h.restrictionList(p))
}

func (h *v1) getRestrictionsByOp(w http.ResponseWriter, r *http.Request) {
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	p := h.s.readablePage(w, r, r.PathValue("id"), writeV1Error)
	if p == nil {
		return
	}
	op := r.PathValue("op")
	if op == "" {
		out := map[string]any{}
		for _, o := range restrictionOps {
			out[o] = h.restrictionOp(p, o)
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	if !validRestrictionOp(w, op) {
		return
	}
	writeJSON(w, http.StatusOK, h.restrictionOp(p, op))
}

// restrictionWrite is one element of a PUT/POST body. user and group come
// as plain arrays or as {results:[...]} (both forms are in the v1 spec).
type restrictionWrite struct {
	Operation    string `json:"operation"`
	Restrictions struct {
		User  json.RawMessage `json:"user"`
		Group json.RawMessage `json:"group"`
	} `json:"restrictions"`
}

type restrictionSubject struct {
	AccountID string `json:"accountId"`
	UserKey   string `json:"userKey"`
	Username  string `json:"username"`
	Name      string `json:"name"`
	ID        string `json:"id"`
}

func decodeSubjects(raw json.RawMessage) ([]restrictionSubject, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []restrictionSubject
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var wrapped struct {
		Results []restrictionSubject `json:"results"`
	}
	if err := json.Unmarshal(raw, &wrapped); err != nil {
		return nil, err
	}
	return wrapped.Results, nil
}

// parseRestrictions reads a PUT/POST body: an array of operations or
// {"results":[...]}.
func (s *Server) parseRestrictions(raw json.RawMessage) (map[string]*restriction, error) {
	var ops []restrictionWrite
	if err := json.Unmarshal(raw, &ops); err != nil {
		var wrapped struct {
			Results []restrictionWrite `json:"results"`
		}
		if err := json.Unmarshal(raw, &wrapped); err != nil {
			return nil, fmt.Errorf("body must be an array of restrictions or {\"results\":[...]}")
		}
		ops = wrapped.Results
	}
	out := map[string]*restriction{}
	for _, o := range ops {
		if !contains(restrictionOps, o.Operation) {
			return nil, fmt.Errorf("invalid restriction operation %q (read or update)", o.Operation)
		}
		users, err := decodeSubjects(o.Restrictions.User)
		if err != nil {
			return nil, fmt.Errorf("restrictions.user: %v", err)
		}
		groups, err := decodeSubjects(o.Restrictions.Group)
		if err != nil {
			return nil, fmt.Errorf("restrictions.group: %v", err)
		}
		r := out[o.Operation]
		if r == nil {
			r = &restriction{}
			out[o.Operation] = r
		}
		for _, u := range users {
			name := firstNonEmpty(u.AccountID, u.UserKey, u.Username)
			if name == "" {
				return nil, fmt.Errorf("a user restriction needs accountId, userKey or username")
			}
			r.users = append(r.users, s.resolveUser(name))
		}
		for _, g := range groups {
			name := firstNonEmpty(g.Name, g.ID)
			if name == "" {
				return nil, fmt.Errorf("a group restriction needs name or id")
			}
			r.groups = append(r.groups, s.resolveGroup(name))
		}
		r.users, r.groups = dedupe(r.users), dedupe(r.groups)
	}
	return out, nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// writeRestrictions serves PUT (replace all), POST (add) and DELETE
// (remove all). Changing restrictions needs edit permission on the page.
func (h *v1) writeRestrictions(w http.ResponseWriter, r *http.Request) {
	var parsed map[string]*restriction
	if r.Method != http.MethodDelete {
		var raw json.RawMessage
		if !decodeJSON(w, r, &raw, writeV1Error) {
			return
		}
		var err error
		if parsed, err = h.s.parseRestrictions(raw); err != nil {
			writeV1Error(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	p := h.s.editablePage(w, r, writeV1Error)
	if p == nil {
		return
	}
	switch r.Method {
	case http.MethodPut:
		p.restrictions = parsed
	case http.MethodPost:
		for op, add := range parsed {
			cur := p.restrictionFor(op)
			cur.users, cur.groups = dedupe(append(cur.users, add.users...)), dedupe(append(cur.groups, add.groups...))
		}
	case http.MethodDelete:
		p.restrictions = nil
	}
	h.s.emitPageEvent("content_permissions_updated", actor(r), p, nil)
	writeJSON(w, http.StatusOK, h.restrictionList(p))
}

// restrictionMember serves GET/PUT/DELETE on one user (?accountId=,
// ?userKey= or ?username=) or one group of one operation. GET answers 200
// when the subject is in the restriction and 404 when not.
func (h *v1) restrictionMember(w http.ResponseWriter, r *http.Request) {
	op := r.PathValue("op")
	if !validRestrictionOp(w, op) {
		return
	}
	q := r.URL.Query()
	group := r.PathValue("group")
	user := firstNonEmpty(q.Get("accountId"), q.Get("userKey"), q.Get("username"))
	if group == "" && user == "" {
		writeV1Error(w, http.StatusBadRequest, "accountId, userKey or username is required")
		return
	}
	if r.Method == http.MethodGet {
		h.s.mu.RLock()
		defer h.s.mu.RUnlock()
	} else {
		h.s.mu.Lock()
		defer h.s.mu.Unlock()
	}
	p := h.s.pageForMethod(w, r, writeV1Error)
	if p == nil {
		return
	}
	if user != "" {
		user = h.s.resolveUser(user)
	}
	if group != "" {
		group = h.s.resolveGroup(group) // byGroupId takes the id, group/{name} the name
	}
	cur := p.restrictions[op]
	switch r.Method {
	case http.MethodGet:
		if cur != nil && ((group != "" && contains(cur.groups, group)) || (user != "" && contains(cur.users, user))) {
			w.WriteHeader(http.StatusOK)
			return
		}
		writeV1Error(w, http.StatusNotFound, "Not in the "+op+" restriction")
		return
	case http.MethodPut:
		cur = p.restrictionFor(op)
		if group != "" {
			cur.groups = dedupe(append(cur.groups, group))
		} else {
			cur.users = dedupe(append(cur.users, user))
		}
	case http.MethodDelete:
		if cur != nil {
			cur.groups = without(cur.groups, group)
			cur.users = without(cur.users, user)
		}
	}
	h.s.emitPageEvent("content_permissions_updated", actor(r), p, nil)
	w.WriteHeader(http.StatusOK)
}

func without(list []string, v string) []string {
	var out []string
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
