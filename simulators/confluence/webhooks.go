package confluence

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Webhook payload formats.
const (
	// WebhookFormatDC is Confluence Data Center's native webhook body
	// ({timestamp, event, userKey, page:{id}} and friends), signed with
	// X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>.
	WebhookFormatDC = "dc"
	// WebhookFormatAutomation is the body a Confluence Cloud Automation
	// rule ("Send web request", custom body) is configured to send, with
	// the shared secret in X-Automation-Secret. See the package doc.
	WebhookFormatAutomation = "automation"
)

// dcEvents are the event names Confluence DC lets a webhook subscribe to.
var dcEvents = map[string]bool{}

func init() {
	for _, e := range strings.Fields(`attachment_created attachment_removed attachment_restored attachment_trashed attachment_updated
		blog_created blog_removed blog_restored blog_trashed blog_updated blueprint_page_created
		comment_created comment_removed comment_updated
		content_created content_restored content_trashed content_updated content_permissions_updated
		group_created group_removed label_added label_created label_deleted label_removed
		page_children_reordered page_created page_moved page_removed page_restored page_trashed page_updated
		space_created space_logo_updated space_permissions_updated space_removed space_updated theme_enabled
		user_created user_deactivated user_followed user_reactivated user_removed`) {
		dcEvents[e] = true
	}
}

// Webhook is a snapshot of a registered webhook.
type Webhook struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	URL    string   `json:"url"`
	Events []string `json:"events"` // empty: every event (Go API only)
	Secret string   `json:"-"`
	Active bool     `json:"active"`
	Format string   `json:"format"`
}

// Delivery is one attempt to deliver an event to a webhook.
type Delivery struct {
	ID         string    `json:"id"` // X-Atlassian-Webhook-Identifier; shared by redeliveries and retries
	WebhookID  string    `json:"webhookId"`
	Event      string    `json:"event"`
	URL        string    `json:"url"`
	Body       []byte    `json:"body"`
	Signature  string    `json:"signature,omitempty"` // X-Hub-Signature value, if a secret is set (DC format)
	StatusCode int       `json:"statusCode"`          // 0 when no HTTP answer (or dropped)
	Error      string    `json:"error,omitempty"`     // transport error, non-2xx status, or why it was dropped
	Dropped    bool      `json:"dropped"`             // not sent: webhooks were paused
	Attempt    int       `json:"attempt"`             // 1 for the first try, >1 for retries
	Redelivery bool      `json:"redelivery"`          // sent by Redeliver
	At         time.Time `json:"at"`
}

type hook struct {
	Webhook
	created time.Time
}

// outgoing is a prepared delivery: what Redeliver sends again verbatim.
type outgoing struct {
	id, webhookID, event, url string
	body                      []byte
	header                    http.Header
}

type webhooks struct {
	mu       sync.Mutex
	idle     *sync.Cond // signalled when inflight drops to zero
	inflight int
	seq      int
	list     []*hook
	sent     map[string]*outgoing
	log      []Delivery
	paused   bool

	format  string
	retries int
	delay   time.Duration
	client  *http.Client
}

func newWebhooks(opt Options) *webhooks {
	wh := &webhooks{sent: map[string]*outgoing{}, format: opt.WebhookFormat, retries: opt.WebhookRetries,
		delay: opt.WebhookRetryDelay, client: opt.WebhookClient}
	wh.idle = sync.NewCond(&wh.mu)
	if wh.format == "" {
		wh.format = WebhookFormatDC
	}
	if wh.delay <= 0 {
		wh.delay = 50 * time.Millisecond
	}
	if wh.client == nil {
		wh.client = &http.Client{Timeout: 10 * time.Second}
	}
	return wh
}

func (wh *webhooks) add(w Webhook) string {
	wh.mu.Lock()
	defer wh.mu.Unlock()
	return wh.addLocked(w).ID
}

func (wh *webhooks) addLocked(w Webhook) *hook {
	wh.seq++
	w.ID = strconv.Itoa(wh.seq)
	if w.Format == "" {
		w.Format = wh.format
	}
	hk := &hook{Webhook: w, created: time.Now().UTC()}
	wh.list = append(wh.list, hk)
	return hk
}

// RegisterWebhook subscribes url to events (none: every event) in the
// server's default format (Options.WebhookFormat, DC unless set). With a
// secret, DC deliveries carry X-Hub-Signature. It returns the webhook id.
func (s *Server) RegisterWebhook(url, secret string, events ...string) string {
	return s.hooks.add(Webhook{Name: "webhook", URL: url, Events: events, Secret: secret, Active: true})
}

// RegisterAutomationWebhook subscribes url to events (none: every event)
// with the Cloud Automation body and X-Automation-Secret header.
func (s *Server) RegisterAutomationWebhook(url, secret string, events ...string) string {
	return s.hooks.add(Webhook{Name: "automation rule", URL: url, Events: events, Secret: secret, Active: true,
		Format: WebhookFormatAutomation})
}

// Webhooks returns the registered webhooks.
func (s *Server) Webhooks() []Webhook {
	wh := s.hooks
	wh.mu.Lock()
	defer wh.mu.Unlock()
	out := make([]Webhook, len(wh.list))
	for i, h := range wh.list {
		out[i] = h.Webhook
		out[i].Events = append([]string(nil), h.Events...)
	}
	return out
}

// Deliveries returns every delivery attempt so far, in the order they
// finished (dropped ones at the time they were dropped).
func (s *Server) Deliveries() []Delivery {
	wh := s.hooks
	wh.mu.Lock()
	defer wh.mu.Unlock()
	out := make([]Delivery, len(wh.log))
	for i, d := range wh.log {
		out[i] = d
		out[i].Body = append([]byte(nil), d.Body...)
	}
	return out
}

// SetWebhooksPaused drops (logs as Dropped, never sends) every delivery
// while paused, as if the receiver were down and Confluence gave up.
// Dropped deliveries can still be sent later with Redeliver.
func (s *Server) SetWebhooksPaused(paused bool) {
	s.hooks.mu.Lock()
	s.hooks.paused = paused
	s.hooks.mu.Unlock()
}

// FlushWebhooks blocks until no delivery (or retry) is in flight. Tests
// call it after a change, before looking at what a receiver got.
func (s *Server) FlushWebhooks() {
	wh := s.hooks
	wh.mu.Lock()
	for wh.inflight > 0 {
		wh.idle.Wait()
	}
	wh.mu.Unlock()
}

// Redeliver sends a delivery again, synchronously, with the identical
// body and headers, including the same X-Atlassian-Webhook-Identifier, as
// a duplicate delivery would arrive. It ignores SetWebhooksPaused and
// fails for an unknown id, on a transport error or a non-2xx answer.
func (s *Server) Redeliver(deliveryID string) error {
	wh := s.hooks
	wh.mu.Lock()
	o := wh.sent[deliveryID]
	wh.mu.Unlock()
	if o == nil {
		return fmt.Errorf("confluence simulator: no delivery %q", deliveryID)
	}
	d := wh.send(o, 1, true)
	if d.Error != "" {
		return fmt.Errorf("confluence simulator: redelivery %s: %s", deliveryID, d.Error)
	}
	return nil
}

func newDeliveryID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Sign returns the X-Hub-Signature value for body: "sha256=" and the
// lowercase hex HMAC-SHA256 keyed with secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// eventInfo is what a payload needs beyond the page itself.
type eventInfo struct {
	label        *label
	commentID    string
	attachmentID string
}

// numericID turns "att500012" or "100001" into the JSON number DC sends.
func numericID(id string) any {
	n, err := strconv.ParseInt(strings.TrimPrefix(id, "att"), 10, 64)
	if err != nil {
		return id
	}
	return n
}

// emitPageEvent delivers event about page p to every active, matching
// webhook. Call it with s.mu held (it reads p), after the change. The
// sending happens in goroutines that never touch s.mu.
func (s *Server) emitPageEvent(event, actorID string, p *page, info *eventInfo) {
	wh := s.hooks
	wh.mu.Lock()
	var targets []Webhook
	for _, h := range wh.list {
		if h.Active && (len(h.Events) == 0 || contains(h.Events, event)) {
			targets = append(targets, h.Webhook)
		}
	}
	wh.mu.Unlock()
	if len(targets) == 0 {
		return
	}
	if info == nil {
		info = &eventInfo{}
	}
	ts := s.now().UnixMilli()
	var dcBody, autoBody []byte
	for _, t := range targets {
		var body []byte
		if t.Format == WebhookFormatAutomation {
			if autoBody == nil {
				autoBody = s.automationBody(event, actorID, ts, p, info)
			}
			body = autoBody
		} else {
			if dcBody == nil {
				dcBody = dcPayload(event, actorID, ts, p, info)
			}
			body = dcBody
		}
		o := &outgoing{id: newDeliveryID(), webhookID: t.ID, event: event, url: t.URL, body: body, header: http.Header{}}
		o.header.Set("Content-Type", "application/json")
		o.header.Set("User-Agent", "Atlassian Webhook HTTP Client (confluence simulator)")
		o.header.Set("X-Atlassian-Webhook-Identifier", o.id)
		if t.Secret != "" {
			if t.Format == WebhookFormatAutomation {
				o.header.Set("X-Automation-Secret", t.Secret)
			} else {
				o.header.Set("X-Hub-Signature", Sign(t.Secret, body))
			}
		}
		wh.dispatch(o)
	}
}

// dcPayload builds the DC body. Page events follow captured DC payloads;
// the label, comment, attachment and permission shapes are inferred (see
// the package doc).
func dcPayload(event, actorID string, ts int64, p *page, info *eventInfo) []byte {
	m := map[string]any{"timestamp": ts, "event": event, "userKey": actorID}
	pageRef := map[string]any{"id": numericID(p.id)}
	switch {
	case strings.HasPrefix(event, "label_") && info.label != nil:
		m["label"] = map[string]any{"name": info.label.name, "prefix": info.label.prefix}
		m["labelled"] = map[string]any{"id": numericID(p.id), "type": "page"}
	case strings.HasPrefix(event, "comment_"):
		m["comment"] = map[string]any{"id": numericID(info.commentID)}
		m["page"] = pageRef
	case strings.HasPrefix(event, "attachment_"):
		m["attachment"] = map[string]any{"id": numericID(info.attachmentID)}
		m["page"] = pageRef
	case event == "content_permissions_updated":
		m["content"] = map[string]any{"id": numericID(p.id), "type": "page"}
	default:
		m["page"] = pageRef
		if event == "page_updated" {
			m["updateTrigger"] = "edit_page"
		}
	}
	b, _ := json.Marshal(m)
	return b
}

// automationBody builds the Cloud Automation body; call with s.mu held.
func (s *Server) automationBody(event, actorID string, ts int64, p *page, info *eventInfo) []byte {
	cur := p.current()
	key := ""
	if sp := s.spaceByID(p.spaceID); sp != nil {
		key = sp.key
	}
	m := map[string]any{"event": event, "timestamp": ts, "userAccountId": actorID,
		"page": map[string]any{"id": p.id, "spaceKey": key, "version": cur.number, "title": cur.title}}
	if info.label != nil {
		m["label"] = info.label.name
	}
	if info.commentID != "" {
		m["comment"] = map[string]any{"id": info.commentID}
	}
	if info.attachmentID != "" {
		m["attachment"] = map[string]any{"id": info.attachmentID}
	}
	b, _ := json.Marshal(m)
	return b
}

// dispatch records o for Redeliver and sends it in a goroutine, or logs
// it as dropped while paused.
func (wh *webhooks) dispatch(o *outgoing) {
	wh.mu.Lock()
	wh.sent[o.id] = o
	if wh.paused {
		wh.log = append(wh.log, Delivery{ID: o.id, WebhookID: o.webhookID, Event: o.event, URL: o.url, Body: o.body,
			Signature: o.header.Get("X-Hub-Signature"), Dropped: true, Error: "webhooks paused: delivery dropped",
			Attempt: 1, At: time.Now().UTC()})
		wh.mu.Unlock()
		return
	}
	wh.inflight++
	wh.mu.Unlock()
	go func() {
		defer func() {
			wh.mu.Lock()
			wh.inflight--
			if wh.inflight == 0 {
				wh.idle.Broadcast()
			}
			wh.mu.Unlock()
		}()
		delay := wh.delay
		for attempt := 1; ; attempt++ {
			d := wh.send(o, attempt, false)
			retryable := d.StatusCode == 0 || d.StatusCode == http.StatusTooManyRequests || d.StatusCode >= 500
			if d.Error == "" || !retryable || attempt > wh.retries {
				return
			}
			time.Sleep(delay)
			delay *= 2
		}
	}()
}

// send makes one HTTP attempt and logs it.
func (wh *webhooks) send(o *outgoing, attempt int, redelivery bool) Delivery {
	d := Delivery{ID: o.id, WebhookID: o.webhookID, Event: o.event, URL: o.url, Body: o.body,
		Signature: o.header.Get("X-Hub-Signature"), Attempt: attempt, Redelivery: redelivery}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url, bytes.NewReader(o.body))
	if err == nil {
		req.Header = o.header.Clone()
		var resp *http.Response
		if resp, err = wh.client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			d.StatusCode = resp.StatusCode
			if resp.StatusCode < 200 || resp.StatusCode > 299 {
				d.Error = "receiver answered " + resp.Status
			}
		}
	}
	if err != nil {
		d.Error = err.Error()
	}
	d.At = time.Now().UTC()
	wh.mu.Lock()
	wh.log = append(wh.log, d)
	wh.mu.Unlock()
	return d
}

// REST administration, DC shape, mounted under /rest/api and /wiki/rest/api.

func (s *Server) routesWebhooks(mux *http.ServeMux, h *v1, prefix string) {
	mux.HandleFunc("GET "+prefix+"/webhooks", h.listWebhooks)
	mux.HandleFunc("POST "+prefix+"/webhooks", h.createWebhook)
	mux.HandleFunc("GET "+prefix+"/webhooks/{wid}", h.getWebhook)
	mux.HandleFunc("PUT "+prefix+"/webhooks/{wid}", h.createWebhook)
	mux.HandleFunc("DELETE "+prefix+"/webhooks/{wid}", h.deleteWebhook)
}

// webhookJSON is the REST shape. The id is a number, as on DC; the secret
// is write-only and never echoed.
func webhookJSON(hk *hook) map[string]any {
	id, _ := strconv.ParseInt(hk.ID, 10, 64)
	events := append([]string{}, hk.Events...)
	m := map[string]any{"id": id, "name": hk.Name, "url": hk.URL, "events": events, "active": hk.Active,
		"configuration": map[string]any{}, "createdDate": hk.created.UnixMilli(), "updatedDate": hk.created.UnixMilli()}
	if hk.Format != WebhookFormatDC {
		m["format"] = hk.Format
	}
	return m
}

type webhookWrite struct {
	Name          string   `json:"name"`
	URL           string   `json:"url"`
	Events        []string `json:"events"`
	Active        *bool    `json:"active"`
	Format        string   `json:"format"` // simulator extension: "dc" (default) or "automation"
	Configuration struct {
		Secret string `json:"secret"`
	} `json:"configuration"`
}

func (h *v1) listWebhooks(w http.ResponseWriter, r *http.Request) {
	wh := h.s.hooks
	wh.mu.Lock()
	items := []any{}
	for _, hk := range wh.list {
		items = append(items, webhookJSON(hk))
	}
	wh.mu.Unlock()
	h.s.writeV1List(w, r, h.ctx, items, 25)
}

func (h *v1) findHook(w http.ResponseWriter, r *http.Request) (*hook, int) {
	wid := r.PathValue("wid")
	for i, hk := range h.s.hooks.list {
		if hk.ID == wid {
			return hk, i
		}
	}
	writeV1Error(w, http.StatusNotFound, "No webhook with id "+wid)
	return nil, -1
}

func (h *v1) getWebhook(w http.ResponseWriter, r *http.Request) {
	h.s.hooks.mu.Lock()
	defer h.s.hooks.mu.Unlock()
	if hk, _ := h.findHook(w, r); hk != nil {
		writeJSON(w, http.StatusOK, webhookJSON(hk))
	}
}

// createWebhook serves POST (create, 201) and PUT .../{id} (replace, 200).
func (h *v1) createWebhook(w http.ResponseWriter, r *http.Request) {
	var req webhookWrite
	if !decodeJSON(w, r, &req, writeV1Error) {
		return
	}
	u, err := url.Parse(req.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		writeV1Error(w, http.StatusBadRequest, "url must be an absolute http(s) URL")
		return
	case len(req.Events) == 0:
		writeV1Error(w, http.StatusBadRequest, "At least one event is required")
		return
	case len(req.Configuration.Secret) > 255:
		writeV1Error(w, http.StatusBadRequest, "The secret is longer than 255 characters")
		return
	case req.Format != "" && req.Format != WebhookFormatDC && req.Format != WebhookFormatAutomation:
		writeV1Error(w, http.StatusBadRequest, "Unknown format "+req.Format+" (dc or automation)")
		return
	}
	for _, e := range req.Events {
		if !dcEvents[e] {
			writeV1Error(w, http.StatusBadRequest, "Unknown event: "+e)
			return
		}
	}
	if req.Name == "" {
		req.Name = "webhook"
	}
	active := req.Active == nil || *req.Active
	wh := Webhook{Name: req.Name, URL: req.URL, Events: req.Events, Secret: req.Configuration.Secret, Active: active, Format: req.Format}
	h.s.hooks.mu.Lock()
	defer h.s.hooks.mu.Unlock()
	if r.Method == http.MethodPost {
		writeJSON(w, http.StatusCreated, webhookJSON(h.s.hooks.addLocked(wh)))
		return
	}
	hk, _ := h.findHook(w, r)
	if hk == nil {
		return
	}
	if wh.Format == "" {
		wh.Format = hk.Format
	}
	wh.ID = hk.ID
	hk.Webhook = wh
	writeJSON(w, http.StatusOK, webhookJSON(hk))
}

func (h *v1) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	wh := h.s.hooks
	wh.mu.Lock()
	defer wh.mu.Unlock()
	if hk, i := h.findHook(w, r); hk != nil {
		wh.list = append(wh.list[:i], wh.list[i+1:]...)
		w.WriteHeader(http.StatusNoContent)
	}
}
