package confluence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Space is a snapshot of a simulated space.
type Space struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Name string `json:"name"`
}

// Page is a snapshot of the current state of a simulated page.
type Page struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	SpaceID    string    `json:"spaceId"`
	SpaceKey   string    `json:"spaceKey"`
	ParentID   string    `json:"parentId,omitempty"`
	AuthorID   string    `json:"authorId"`
	Version    int       `json:"version"`
	Labels     []string  `json:"labels"`
	Body       string    `json:"body"` // storage format
	CreatedAt  time.Time `json:"createdAt"`
	Status     string    `json:"status"`     // current or trashed
	ModifiedAt time.Time `json:"modifiedAt"` // when the current version was made
	// ContentState is the published page's content state (Cloud's status
	// lozenge), nil when it has none.
	ContentState *ContentState `json:"contentState,omitempty"`
}

// Attachment is a snapshot of a simulated attachment's metadata: of its
// current version, or of one older version (see AttachmentVersions).
type Attachment struct {
	ID        string    `json:"id"`
	PageID    string    `json:"pageId"`
	Title     string    `json:"title"`
	MediaType string    `json:"mediaType"`
	Comment   string    `json:"comment,omitempty"`
	Size      int64     `json:"fileSize"`
	Version   int       `json:"version"`
	SHA256    string    `json:"sha256"`    // hex digest of the content
	Synthetic bool      `json:"synthetic"` // content generated on the fly
	AuthorID  string    `json:"authorId"`  // who uploaded this version
	CreatedAt time.Time `json:"createdAt"` // when this version was uploaded
}

// The internal model. All of it is guarded by Server.mu; snapshots handed
// out are copies so callers never race with request handlers.

type space struct {
	id, key, name string
	createdAt     time.Time
	states        []ContentState // the space's suggested content states (Cloud)
	perms         []spacePerm    // space permission assignments (spaceperms.go)
}

type pageVersion struct {
	number    int
	title     string
	body      string
	authorID  string
	message   string
	minorEdit bool
	createdAt time.Time
}

type label struct {
	id, name, prefix string
}

type property struct {
	id, key   string
	value     json.RawMessage
	version   int
	message   string
	createdAt time.Time
}

// attachment is a file on a page with every version of it. Versions are
// never changed once stored, so a handler may keep using one after it
// released s.mu (downloads stream outside the lock).
type attachment struct {
	id, pageID, title string
	versions          []*attachmentVersion // versions[i].number == i+1; the last is current
}

// attachmentVersion is one uploaded version of an attachment. The comment
// is the version's comment (v2 reports it as version.message too).
type attachmentVersion struct {
	number             int
	mediaType, comment string
	authorID           string
	minorEdit          bool
	size               int64
	sha256             string
	createdAt          time.Time
	data               []byte // nil for synthetic content
	synthetic          bool
	seed               uint64 // synthetic content's generator seed
}

type page struct {
	id, spaceID, parentID, status string
	authorID                      string
	pos                           int // place among its siblings (see childPages)
	createdAt                     time.Time
	versions                      []pageVersion // versions[i].number == i+1
	labels                        []label
	props                         []*property
	atts                          []*attachment
	comments                      []*comment
	restrictions                  map[string]*restriction // "read", "update"; nil or empty = unrestricted
	state, draftState             *ContentState           // content state of the published page and of its draft; nil = none
	stateAt                       time.Time               // when the published state last changed (zero: never)
}

// restriction is who may perform one operation on a page: an empty list
// pair means everyone (with space permission) may.
type restriction struct {
	users, groups []string // account ids, group names
}

func (r *restriction) empty() bool { return r == nil || (len(r.users) == 0 && len(r.groups) == 0) }

type comment struct {
	id, pageID, authorID, body string // body in storage format
	createdAt                  time.Time
	version                    int
}

func (p *page) current() pageVersion { return p.versions[len(p.versions)-1] }

// version returns version n, or false when there is none.
func (p *page) version(n int) (pageVersion, bool) {
	if n < 1 || n > len(p.versions) {
		return pageVersion{}, false
	}
	return p.versions[n-1], true
}

func (p *page) prop(key string) *property {
	for _, pr := range p.props {
		if pr.key == key {
			return pr
		}
	}
	return nil
}

func (p *page) attByTitle(title string) *attachment {
	for _, a := range p.atts {
		if a.title == title {
			return a
		}
	}
	return nil
}

func (p *page) hasLabel(name string) bool {
	for _, l := range p.labels {
		if l.name == name {
			return true
		}
	}
	return false
}

// current is the attachment's latest version.
func (a *attachment) current() *attachmentVersion { return a.versions[len(a.versions)-1] }

// version returns version n, or false when there is none.
func (a *attachment) version(n int) (*attachmentVersion, bool) {
	if n < 1 || n > len(a.versions) {
		return nil, false
	}
	return a.versions[n-1], true
}

func (a *attachment) snapshot() Attachment { return a.versionSnapshot(a.current()) }

func (a *attachment) versionSnapshot(v *attachmentVersion) Attachment {
	return Attachment{ID: a.id, PageID: a.pageID, Title: a.title, MediaType: v.mediaType, Comment: v.comment,
		Size: v.size, Version: v.number, SHA256: v.sha256, Synthetic: v.synthetic, AuthorID: v.authorID, CreatedAt: v.createdAt}
}

// content opens the version's bytes. It never copies stored data and
// generates synthetic content lazily.
func (v *attachmentVersion) content() io.ReadSeeker {
	if v.synthetic {
		return newSynthReader(v.seed, v.size)
	}
	return bytes.NewReader(v.data)
}

// now is the clock used for new objects; truncated to milliseconds because
// Confluence timestamps carry milliseconds only.
func (s *Server) now() time.Time {
	if f := s.clock.Load(); f != nil {
		return (*f)().UTC().Truncate(time.Millisecond)
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}

func (s *Server) nextObjectID() string {
	s.objSeq++
	return strconv.Itoa(s.objSeq)
}

func (s *Server) spaceByKey(key string) *space {
	for _, sp := range s.spaces {
		if sp.key == key {
			return sp
		}
	}
	return nil
}

// parentInSpace reports whether parentID names a page of sp that viewer
// can see: a new page cannot hang below a page of another space, nor
// below one its author cannot see.
func (s *Server) parentInSpace(parentID string, sp *space, viewer string) bool {
	par, ok := s.pages[parentID]
	return ok && par.spaceID == sp.id && s.canView(par, viewer)
}

func (s *Server) spaceByID(id string) *space {
	for _, sp := range s.spaces {
		if sp.id == id {
			return sp
		}
	}
	return nil
}

// findAttachment finds an attachment by id across all pages.
func (s *Server) findAttachment(id string) *attachment {
	if !strings.HasPrefix(id, "att") {
		id = "att" + id
	}
	for _, p := range s.pages {
		for _, a := range p.atts {
			if a.id == id {
				return a
			}
		}
	}
	return nil
}

// sortedPages returns all pages ordered by numeric id, the v2 default.
func (s *Server) sortedPages() []*page {
	out := make([]*page, 0, len(s.pages))
	for _, p := range s.pages {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].id, out[j].id) })
	return out
}

func (s *Server) sortedSpaces() []*space {
	out := append([]*space(nil), s.spaces...)
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].id, out[j].id) })
	return out
}

func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (s *Server) pageSnapshot(p *page) Page {
	cur := p.current()
	sp := s.spaceByID(p.spaceID)
	labels := make([]string, len(p.labels))
	for i, l := range p.labels {
		labels[i] = l.name
	}
	var st *ContentState
	if p.state != nil {
		c := *p.state
		st = &c
	}
	return Page{ID: p.id, Title: cur.title, SpaceID: p.spaceID, SpaceKey: sp.key, ParentID: p.parentID,
		AuthorID: p.authorID, Version: cur.number, Labels: labels, Body: cur.body, CreatedAt: p.createdAt,
		Status: p.status, ModifiedAt: cur.createdAt, ContentState: st}
}

// validLabel applies Confluence's label rules: lower case, no whitespace,
// no ':' (that would be read as a prefix), at most 255 characters.
func validLabel(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch {
	case n == "":
		return "", fmt.Errorf("label name must not be empty")
	case len(n) > 255:
		return "", fmt.Errorf("label name %q is longer than 255 characters", name)
	case strings.ContainsAny(n, " \t\r\n:"):
		return "", fmt.Errorf("label name %q contains a space or a colon", name)
	}
	return n, nil
}

func (s *Server) addLabel(p *page, name, prefix string) (label, error) {
	n, err := validLabel(name)
	if err != nil {
		return label{}, err
	}
	for _, l := range p.labels {
		if l.name == n {
			return l, nil
		}
	}
	if prefix == "" {
		prefix = "global"
	}
	l := label{id: s.labelID(n), name: n, prefix: prefix}
	p.labels = append(p.labels, l)
	return l, nil
}

// addLabelAndNotify adds the label and fires label_added by actorID, but
// only when the page did not have it: re-adding a label is no change.
func (s *Server) addLabelAndNotify(p *page, name, prefix, actorID string) error {
	had := p.hasLabel(strings.ToLower(strings.TrimSpace(name)))
	l, err := s.addLabel(p, name, prefix)
	if err == nil && !had {
		s.emitPageEvent("label_added", actorID, p, &eventInfo{label: &l})
	}
	return err
}

// labelID gives one id per label name, as Confluence shares label objects
// between pages.
func (s *Server) labelID(name string) string {
	if id, ok := s.labelIDs[name]; ok {
		return id
	}
	id := s.nextObjectID()
	s.labelIDs[name] = id
	return id
}

func (s *Server) removeLabel(p *page, name string) bool {
	_, ok := s.takeLabel(p, name)
	return ok
}

// takeLabel removes the label and returns it.
func (s *Server) takeLabel(p *page, name string) (label, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	for i, l := range p.labels {
		if l.name == n {
			p.labels = append(p.labels[:i], p.labels[i+1:]...)
			return l, true
		}
	}
	return label{}, false
}

// trashPage moves the page to the trash and fires page_trashed.
func (s *Server) trashPage(p *page, actorID string) {
	p.status = "trashed"
	s.emitPageEvent("page_trashed", actorID, p, nil)
}

// purgePage removes a page for good and fires page_removed.
func (s *Server) purgePage(p *page, actorID string) {
	s.emitPageEvent("page_removed", actorID, p, nil)
	delete(s.pages, p.id)
}

// attachmentEvent names the event of a write putAttachment just made: the
// first version of a file is a creation, any later one an update.
func attachmentEvent(a *attachment) string {
	if len(a.versions) > 1 {
		return "attachment_updated"
	}
	return "attachment_created"
}

// putAttachment stores v as a new attachment or as the next version of the
// attachment with the same title. It fills in v's number and time, the
// default media type, and, for stored bytes, size and digest (when
// v.sha256 is empty). Every earlier version is kept: stored bytes stay
// referenced, synthetic versions hold no content.
func (s *Server) putAttachment(p *page, title string, v attachmentVersion) *attachment {
	if v.mediaType == "" {
		v.mediaType = "application/octet-stream"
	}
	if !v.synthetic {
		v.size = int64(len(v.data))
		if v.sha256 == "" {
			h := sha256.Sum256(v.data)
			v.sha256 = hex.EncodeToString(h[:])
		}
	}
	v.createdAt = s.now()
	a := p.attByTitle(title)
	if a == nil {
		a = &attachment{id: "att" + s.nextObjectID(), pageID: p.id, title: title}
		p.atts = append(p.atts, a)
	}
	v.number = len(a.versions) + 1
	a.versions = append(a.versions, &v)
	return a
}
