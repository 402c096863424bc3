package confluence

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
)

// Options configures a simulator.
type Options struct {
	// Users maps email -> API token for Basic auth (the token is also the
	// user's DC personal access token). Default: DefaultUsers. A user's
	// account id is "557058:" plus the local part of the email.
	Users        map[string]string
	BearerTokens []string      // default {"demo-pat"}; each acts as 557058:bridge
	Faults       faults.Config // faults on from the start
	Seed         bool          // load the demo seed (see the package doc)

	// Groups maps a group name to the account ids of its members, for
	// group restrictions. Default: DefaultGroups. confluence-users always
	// holds every user, whatever Groups says.
	Groups map[string][]string

	// WebhookFormat is the payload shape of webhooks registered through
	// REST or RegisterWebhook: WebhookFormatDC (default) or
	// WebhookFormatAutomation. RegisterAutomationWebhook always uses the
	// Automation shape.
	WebhookFormat string
	// WebhookRetries is how often a failed delivery (transport error, 429
	// or 5xx) is retried; 0 (default) means best effort, no retry, as on
	// Confluence. WebhookRetryDelay is the first backoff (default 50ms),
	// doubled on each retry.
	WebhookRetries    int
	WebhookRetryDelay time.Duration
	// WebhookClient sends deliveries; default a client with a 10s timeout.
	WebhookClient *http.Client
}

// Server is a simulated Confluence. All methods are safe for concurrent use.
type Server struct {
	dir     *directory // users and groups (principals.go)
	bearers map[string]bool
	faults  *faults.Injector
	handler http.Handler
	clock   atomic.Pointer[func() time.Time]
	hooks   *webhooks

	requests atomic.Int64

	mu       sync.RWMutex
	baseURL  string
	spaces   []*space
	pages    map[string]*page
	labelIDs map[string]string
	spaceSeq int
	pageSeq  int
	objSeq   int

	customStates map[string][]ContentState // account id -> custom content states, most recently used first
	stateSeq     int                       // last id given to a custom content state
	permSeq      int                       // last id given to a space permission assignment

	templates templateStore // content templates (templates.go)
}

// ErrNotFound is returned by the Go API for an unknown page or attachment.
var ErrNotFound = errors.New("confluence simulator: not found")

// New returns a simulator, seeded when opt.Seed is set.
func New(opt Options) *Server {
	s := &Server{
		dir:      newDirectory(),
		bearers:  map[string]bool{},
		faults:   faults.New(opt.Faults),
		baseURL:  "http://127.0.0.1",
		pages:    map[string]*page{},
		labelIDs: map[string]string{},
		spaceSeq: 98303,
		pageSeq:  300000,
		objSeq:   500000,

		customStates: map[string][]ContentState{},
		stateSeq:     firstCustomStateID - 1,
		permSeq:      firstSpacePermID - 1,
	}
	s.addInitialPrincipals(opt)
	s.hooks = newWebhooks(opt)
	bearers := opt.BearerTokens
	if len(bearers) == 0 {
		bearers = []string{"demo-pat"}
	}
	for _, t := range bearers {
		s.bearers[t] = true
	}
	if opt.Seed {
		s.seed()
	}
	s.handler = s.buildHandler()
	return s
}

// Handler serves the Cloud and DC REST surfaces, downloads and /__sim.
func (s *Server) Handler() http.Handler { return s.handler }

// Faults returns the fault injector applied to API requests.
func (s *Server) Faults() *faults.Injector { return s.faults }

// Requests returns how many API requests (not /__sim) have arrived,
// including those answered by an injected fault or with 401.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// SetBaseURL sets the absolute origin used in _links.base and Link headers
// (for example an httptest server's URL).
func (s *Server) SetBaseURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.baseURL = strings.TrimRight(u, "/")
}

func (s *Server) origin() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.baseURL
}

// CreateSpace adds a space; an existing key returns the existing space.
func (s *Server) CreateSpace(key, name string) Space {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createSpace("", key, name)
}

func (s *Server) createSpace(id, key, name string) Space {
	if sp := s.spaceByKey(key); sp != nil {
		return Space{ID: sp.id, Key: sp.key, Name: sp.name}
	}
	if id == "" {
		s.spaceSeq++
		id = strconv.Itoa(s.spaceSeq)
	}
	sp := &space{id: id, key: key, name: name, createdAt: s.now(),
		states: append([]ContentState(nil), defaultSpaceStates...)}
	s.grantDefaultSpacePerms(sp)
	s.spaces = append(s.spaces, sp)
	return Space{ID: sp.id, Key: sp.key, Name: sp.name}
}

// CreatePage adds a page at version 1 in the space with spaceKey, creating
// the space when it does not exist. Invalid labels are skipped.
func (s *Server) CreatePage(spaceKey, title, storageBody, authorID string, labels ...string) Page {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.createPage("", spaceKey, "", title, storageBody, authorID, s.now())
	for _, l := range labels {
		_, _ = s.addLabel(p, l, "global")
	}
	s.emitPageEvent("page_created", authorID, p, nil)
	return s.pageSnapshot(p)
}

// CreateChildPage adds a page at version 1 as the last child of
// parentID, in the parent's space; it fires page_created. The child
// inherits the parent's read restriction, as on Confluence.
func (s *Server) CreateChildPage(parentID, title, storageBody, authorID string) (Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	par, err := s.knownPage(parentID)
	if err != nil {
		return Page{}, err
	}
	p := s.createPage("", s.spaceByID(par.spaceID).key, parentID, title, storageBody, authorID, s.now())
	s.emitPageEvent("page_created", authorID, p, nil)
	return s.pageSnapshot(p), nil
}

func (s *Server) createPage(id, spaceKey, parentID, title, body, authorID string, at time.Time) *page {
	sp := s.spaceByKey(spaceKey)
	if sp == nil {
		s.createSpace("", spaceKey, spaceKey)
		sp = s.spaceByKey(spaceKey)
	}
	if id == "" {
		s.pageSeq++
		id = strconv.Itoa(s.pageSeq)
	}
	p := &page{id: id, spaceID: sp.id, parentID: parentID, status: "current", authorID: authorID, createdAt: at,
		pos:      s.lastPos(parentID, sp.id) + 1,
		versions: []pageVersion{{number: 1, title: title, body: body, authorID: authorID, createdAt: at}}}
	s.pages[id] = p
	return p
}

// UpdatePage stores a new version of the page, as authorID editing it
// in the UI would (no restriction check); it fires page_updated.
func (s *Server) UpdatePage(id, title, storageBody, authorID string) (Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.knownPage(id)
	if err != nil {
		return Page{}, err
	}
	s.appendVersion(p, title, storageBody, authorID, "", false)
	s.emitPageEvent("page_updated", authorID, p, nil)
	return s.pageSnapshot(p), nil
}

// TrashPage moves the page to the trash, as a site admin would; it fires
// page_trashed. REST reads of it then answer 404 (v2: unless
// status=trashed is asked for), and it drops out of lists and search.
func (s *Server) TrashPage(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.knownPage(id)
	if err != nil {
		return err
	}
	if p.status != "trashed" {
		s.trashPage(p, adminAccount)
	}
	return nil
}

// SetClock replaces the clock used for new timestamps (versions,
// comments, properties, attachments, webhook timestamps, CQL now()); nil
// restores the wall clock. Times are truncated to milliseconds.
func (s *Server) SetClock(now func() time.Time) {
	if now == nil {
		s.clock.Store(nil)
		return
	}
	s.clock.Store(&now)
}

func (s *Server) appendVersion(p *page, title, body, authorID, message string, minor bool) {
	p.versions = append(p.versions, pageVersion{number: len(p.versions) + 1, title: title, body: body,
		authorID: authorID, message: message, minorEdit: minor, createdAt: s.now()})
}

// AddLabel adds a global label to the page (a no-op when present). The
// change is attributed to 557058:admin; it fires label_added.
func (s *Server) AddLabel(id, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.knownPage(id)
	if err != nil {
		return err
	}
	return s.addLabelAndNotify(p, name, "global", adminAccount)
}

// RemoveLabel removes a label from the page (a no-op when absent). The
// change is attributed to 557058:admin; it fires label_removed.
func (s *Server) RemoveLabel(id, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.knownPage(id)
	if err != nil {
		return err
	}
	if l, ok := s.takeLabel(p, name); ok {
		s.emitPageEvent("label_removed", adminAccount, p, &eventInfo{label: &l})
	}
	return nil
}

// SetProperty creates the content property or stores a new version of it,
// as another user editing concurrently would. It exists so tests can
// provoke version conflicts.
func (s *Server) SetProperty(pageID, key string, value any) (int, error) {
	raw, err := json.Marshal(value)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.knownPage(pageID)
	if err != nil {
		return 0, err
	}
	if pr := p.prop(key); pr != nil {
		pr.value, pr.version, pr.createdAt = raw, pr.version+1, s.now()
		return pr.version, nil
	}
	pr := &property{id: s.nextObjectID(), key: key, value: raw, version: 1, createdAt: s.now()}
	p.props = append(p.props, pr)
	return 1, nil
}

// AddAttachment stores data as an attachment of the page, or as a new
// version when the page already has a file of that name (older versions
// are kept). The version is attributed to 557058:admin. It panics on an
// unknown page, as that is a bug in the calling test.
func (s *Server) AddAttachment(pageID, fileName, mediaType string, data []byte) Attachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustPage(pageID)
	a := s.putAttachment(p, fileName, attachmentVersion{mediaType: mediaType, authorID: adminAccount,
		data: append([]byte(nil), data...)})
	s.emitPageEvent(attachmentEvent(a), adminAccount, p, &eventInfo{attachmentID: a.id})
	return a.snapshot()
}

// AddSyntheticAttachment adds an attachment (or a new version of one) whose
// size bytes are generated deterministically on every download and never
// held in memory. Creating it hashes the stream once (constant memory) to
// fill in SHA256.
func (s *Server) AddSyntheticAttachment(pageID, fileName, mediaType string, size int64) Attachment {
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%s/%s/%d", pageID, fileName, size)
	seed := h.Sum64()
	sum := synthSHA256(seed, size) // outside the lock: it takes a while for large sizes
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustPage(pageID)
	a := s.putAttachment(p, fileName, attachmentVersion{mediaType: mediaType, authorID: adminAccount,
		synthetic: true, seed: seed, size: size, sha256: sum})
	return a.snapshot()
}

// knownPage is the Go API's page lookup: an unknown id is ErrNotFound,
// wrapped with the id. Call with s.mu held.
func (s *Server) knownPage(id string) (*page, error) {
	p, ok := s.pages[id]
	if !ok {
		return nil, fmt.Errorf("page %s: %w", id, ErrNotFound)
	}
	return p, nil
}

func (s *Server) mustPage(id string) *page {
	p, ok := s.pages[id]
	if !ok {
		panic("confluence simulator: no page " + id)
	}
	return p
}

// Page returns a snapshot of the page's current state.
func (s *Server) Page(id string) (Page, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.pages[id]
	if !ok {
		return Page{}, false
	}
	return s.pageSnapshot(p), true
}

// Pages returns snapshots of every page (trashed ones too), in id order.
func (s *Server) Pages() []Page {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Page, 0, len(s.pages))
	for _, p := range s.sortedPages() {
		out = append(out, s.pageSnapshot(p))
	}
	return out
}

// Labels returns the page's label names in the order they were added.
func (s *Server) Labels(id string) []string {
	p, ok := s.Page(id)
	if !ok {
		return nil
	}
	return p.Labels
}

// Property returns a content property's value and version.
func (s *Server) Property(pageID, key string) (json.RawMessage, int, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.pages[pageID]
	if !ok {
		return nil, 0, false
	}
	pr := p.prop(key)
	if pr == nil {
		return nil, 0, false
	}
	return append(json.RawMessage(nil), pr.value...), pr.version, true
}

// AttachmentVersions returns a snapshot of every version of the
// attachment, oldest first (element i is version i+1); false for an
// unknown attachment id (with or without the "att" prefix).
func (s *Server) AttachmentVersions(attachmentID string) ([]Attachment, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a := s.findAttachment(attachmentID)
	if a == nil {
		return nil, false
	}
	out := make([]Attachment, len(a.versions))
	for i, v := range a.versions {
		out[i] = a.versionSnapshot(v)
	}
	return out, true
}

// Attachments returns the metadata of the page's attachments.
func (s *Server) Attachments(pageID string) []Attachment {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.pages[pageID]
	if !ok {
		return nil
	}
	out := make([]Attachment, len(p.atts))
	for i, a := range p.atts {
		out[i] = a.snapshot()
	}
	return out
}
