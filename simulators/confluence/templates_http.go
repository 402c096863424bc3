package confluence

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Description limits of the template API, in characters: the update
// model is stricter than the create model [C-V1].
const (
	maxTemplateDescriptionCreate = 255
	maxTemplateDescriptionUpdate = 100
)

// templatesAPI serves the template API under one v1 prefix: Cloud's
// /wiki/rest/api, DC's /rest/api and DC's older /rest/experimental.
type templatesAPI struct {
	h      *v1
	prefix string
}

// routesTemplates mounts the template API under prefix. GET .../page and
// .../blueprint are literal segments, so the mux prefers them to {tid}.
func (s *Server) routesTemplates(mux *http.ServeMux, h *v1, prefix string) {
	t := &templatesAPI{h: h, prefix: prefix}
	root := prefix + "/template"
	mux.HandleFunc("POST "+root, t.create)
	mux.HandleFunc("PUT "+root, t.update)
	mux.HandleFunc("GET "+root+"/page", t.list)
	mux.HandleFunc("GET "+root+"/blueprint", t.blueprints)
	mux.HandleFunc("GET "+root+"/{tid}", t.get)
	mux.HandleFunc("DELETE "+root+"/{tid}", t.remove)
}

// templateIn is ContentTemplateCreate and ContentTemplateUpdate in one.
// Pointers tell absent (or null) fields from empty ones.
type templateIn struct {
	TemplateID   flexString         `json:"templateId"`
	Name         *string            `json:"name"`
	TemplateType *string            `json:"templateType"`
	Body         *templateBodyIn    `json:"body"`
	Description  *string            `json:"description"`
	Labels       *[]templateLabelIn `json:"labels"`
	Space        *struct {
		Key string `json:"key"`
	} `json:"space"`
}

// templateBodyIn is {"storage":{value,representation}}. confluence.js
// types the update body as a bare {value,representation}, so that form is
// accepted too.
type templateBodyIn struct {
	Storage        *templateStorageIn `json:"storage"`
	Value          *string            `json:"value"`
	Representation string             `json:"representation"`
}

type templateStorageIn struct {
	Value          *string `json:"value"`
	Representation string  `json:"representation"`
}

type templateLabelIn struct {
	Prefix string `json:"prefix"`
	Name   string `json:"name"`
}

// spaceKey is the space the request names; "" (absent, null or an empty
// key) means global, as go-atlassian sends "space":null for global ones.
func (in *templateIn) spaceKey() string {
	if in.Space == nil {
		return ""
	}
	return in.Space.Key
}

// validate checks the fields both models require and returns the storage
// body, or a 400 message.
func (in *templateIn) validate(maxDescription int) (body, msg string) {
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return "", "Template name cannot be null or empty"
	}
	if in.TemplateType == nil || *in.TemplateType != "page" {
		return "", "templateType must be page: only page templates can be created or updated through REST"
	}
	switch b := in.Body; {
	case b != nil && b.Storage != nil && b.Storage.Value != nil && b.Storage.Representation == "storage":
		body = *b.Storage.Value
	case b != nil && b.Storage == nil && b.Value != nil && b.Representation == "storage":
		body = *b.Value
	default:
		return "", "body.storage with representation storage is required"
	}
	if in.Description != nil && utf8.RuneCountInString(*in.Description) > maxDescription {
		return "", "Template description must not be longer than " + strconv.Itoa(maxDescription) + " characters"
	}
	if in.Labels != nil {
		for _, l := range *in.Labels {
			if _, err := validLabel(l.Name); err != nil {
				return "", err.Error()
			}
			if l.Prefix != "" && l.Prefix != "global" && l.Prefix != "my" && l.Prefix != "team" {
				return "", "Invalid label prefix: " + l.Prefix
			}
		}
	}
	return body, ""
}

// labels turns the validated request labels into label objects (shared
// ids with page labels, as Confluence shares label objects). Call with
// s.mu held.
func (t *templatesAPI) labels(in []templateLabelIn) []label {
	out := []label{}
	for _, l := range in {
		n, _ := validLabel(l.Name)
		dup := false
		for _, have := range out {
			dup = dup || have.name == n
		}
		if dup {
			continue
		}
		prefix := l.Prefix
		if prefix == "" {
			prefix = "global"
		}
		out = append(out, label{id: t.h.s.labelID(n), name: n, prefix: prefix})
	}
	return out
}

// xsrfChecked applies Confluence's XSRF filter to a template write. The
// filter only guards content types an HTML form can send cross-site
// (form-urlencoded, multipart, text/plain); those need
// X-Atlassian-Token: no-check, exactly as attachment uploads do. JSON
// writes pass without it, as on Confluence, because unchanged clients
// send template JSON without the header (confluence.js 2.1 adds it only
// with its opt-in noCheckAtlassianToken).
func xsrfChecked(w http.ResponseWriter, r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	formLike := mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" || mt == "text/plain"
	if tok := r.Header.Get("X-Atlassian-Token"); formLike && tok != "no-check" && tok != "nocheck" {
		writeV1Error(w, http.StatusForbidden, "XSRF check failed")
		return false
	}
	return true
}

// unknownTemplate is the template API's answer to an id it does not know:
// a 403, never a 404 [C-V1].
func unknownTemplate(w http.ResponseWriter, id string) {
	writeV1Error(w, http.StatusForbidden, "No template with id "+id+" or no permission to it")
}

// wantsBody reports whether ?expand= asks for the body (body or body.*).
func wantsBody(r *http.Request) bool {
	for _, e := range multiValues(r, "expand") {
		if e == "body" || strings.HasPrefix(e, "body.") {
			return true
		}
	}
	return false
}

func (t *templatesAPI) create(w http.ResponseWriter, r *http.Request) {
	if !xsrfChecked(w, r) {
		return
	}
	var in templateIn
	if !decodeJSON(w, r, &in, writeV1Error) {
		return
	}
	body, msg := in.validate(maxTemplateDescriptionCreate)
	if msg != "" {
		writeV1Error(w, http.StatusBadRequest, msg)
		return
	}
	s := t.h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	key := in.spaceKey()
	if key != "" && s.spaceByKey(key) == nil {
		writeV1Error(w, http.StatusBadRequest, noTemplateSpace(key))
		return
	}
	tp := &template{name: *in.Name, spaceKey: key, body: body, labels: []label{}, createdAt: s.now()}
	tp.updatedAt = tp.createdAt
	if in.Description != nil {
		tp.description = *in.Description
	}
	if in.Labels != nil {
		tp.labels = t.labels(*in.Labels)
	}
	s.templates.add(tp)
	writeJSON(w, http.StatusOK, t.json(tp, true))
}

// update replaces name, body and, when sent, description and labels. The
// id travels in the body; the space cannot change.
func (t *templatesAPI) update(w http.ResponseWriter, r *http.Request) {
	if !xsrfChecked(w, r) {
		return
	}
	var in templateIn
	if !decodeJSON(w, r, &in, writeV1Error) {
		return
	}
	if in.TemplateID == "" {
		writeV1Error(w, http.StatusBadRequest, "templateId is required")
		return
	}
	body, msg := in.validate(maxTemplateDescriptionUpdate)
	if msg != "" {
		writeV1Error(w, http.StatusBadRequest, msg)
		return
	}
	s := t.h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	tp := s.templates.get(string(in.TemplateID))
	if tp == nil {
		unknownTemplate(w, string(in.TemplateID))
		return
	}
	if key := in.spaceKey(); key != tp.spaceKey {
		if tp.spaceKey == "" {
			writeV1Error(w, http.StatusBadRequest, "A global template cannot be moved to space "+key)
		} else {
			writeV1Error(w, http.StatusBadRequest, "space.key must be the template's space "+tp.spaceKey)
		}
		return
	}
	tp.name, tp.body = *in.Name, body
	if in.Description != nil {
		tp.description = *in.Description
	}
	if in.Labels != nil {
		tp.labels = t.labels(*in.Labels)
	}
	tp.updates++
	tp.updatedAt = s.now()
	writeJSON(w, http.StatusOK, t.json(tp, true))
}

func (t *templatesAPI) get(w http.ResponseWriter, r *http.Request) {
	s := t.h.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	tp := s.templates.get(r.PathValue("tid"))
	if tp == nil {
		unknownTemplate(w, r.PathValue("tid"))
		return
	}
	writeJSON(w, http.StatusOK, t.json(tp, wantsBody(r)))
}

func (t *templatesAPI) remove(w http.ResponseWriter, r *http.Request) {
	s := t.h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("tid")
	if s.templates.get(id) == nil {
		unknownTemplate(w, id)
		return
	}
	s.templates.remove(id)
	w.WriteHeader(http.StatusNoContent)
}

// list is GET .../template/page: the templates of ?spaceKey=, or the
// global ones without it, start/limit paged (limit 25), bodies only with
// ?expand=body.
func (t *templatesAPI) list(w http.ResponseWriter, r *http.Request) {
	s := t.h.s
	key := r.URL.Query().Get("spaceKey")
	withBody := wantsBody(r)
	items := []any{}
	s.mu.RLock()
	known := key == "" || s.spaceByKey(key) != nil
	for _, tp := range s.templates.sorted() {
		if tp.spaceKey == key {
			items = append(items, t.json(tp, withBody))
		}
	}
	s.mu.RUnlock() // writeV1List takes the lock itself
	if !known {
		writeV1Error(w, http.StatusBadRequest, noTemplateSpace(key))
		return
	}
	s.writeV1List(w, r, t.h.ctx, items, 25)
}

// blueprints is GET .../template/blueprint: the simulator has no
// blueprints, so the list is always empty (the envelope and paging
// parameters are still checked).
func (t *templatesAPI) blueprints(w http.ResponseWriter, r *http.Request) {
	t.h.s.writeV1List(w, r, t.h.ctx, []any{}, 25)
}

// noTemplateSpace is the 400 for a space key that names no space. The
// template API answers it with 400, not 404: a 404 there would read as "no
// such endpoint" to clients that probe /rest/api against /rest/experimental.
func noTemplateSpace(key string) string { return "No space with key : " + key }

// json is the ContentTemplate shape. Call with s.mu held.
func (t *templatesAPI) json(tp *template, withBody bool) map[string]any {
	s := t.h.s
	labels := []any{}
	for _, l := range tp.labels {
		labels = append(labels, v1Label(l))
	}
	m := map[string]any{
		"templateId": tp.id, "name": tp.name, "description": tp.description, "labels": labels,
		"templateType": "page",
		"_links": map[string]any{"self": s.baseURL + t.prefix + "/template/" + tp.id,
			"base": s.baseURL + t.h.ctx, "context": t.h.ctx},
	}
	if sp := s.spaceByKey(tp.spaceKey); tp.spaceKey != "" && sp != nil {
		m["space"] = t.h.space(sp)
	}
	if withBody {
		m["body"] = map[string]any{"storage": bodyRepresentation("storage", tp.body)}
		m["_expandable"] = map[string]any{}
	} else {
		m["_expandable"] = map[string]any{"body": ""}
	}
	return m
}
