package activities

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// Task queues, one per backend, so each backend's rate limit is enforced by
// the server for all workers of that queue together.
const (
	ConfluenceTaskQueue = "xecm-bridge-confluence"
	OpenTextTaskQueue   = "xecm-bridge-opentext"
)

// RecordPropertyKey is the Confluence content property where the bridge
// records the OTCS record of a page. Writing it does not create a page
// version, so it never re-triggers a flow.
const RecordPropertyKey = "xecm-bridge.record"

// ReadPageInput names the page version to read and what it is read for.
type ReadPageInput struct {
	PageID  string
	Version int     // 0 = current
	Purpose Purpose // PurposePublish (default), PurposeRecord or PurposeReview
	// Approval is recorded in the page's approval log before the approval
	// is checked (an operator's approval of Version; publish only).
	Approval *Approval `json:",omitempty"`
}

// Purpose is what a page version is read for: which rule it must satisfy.
// The zero value is a publish, so inputs recorded before the field existed
// still mean what they meant.
type Purpose string

// Purposes of a read.
const (
	PurposePublish Purpose = ""       // an approved page, published by the space's publish rule
	PurposeRecord  Purpose = "record" // a page a record rule recognises (meeting notes, decision log...)
	PurposeReview  Purpose = "review" // a draft submitted to the space's review (flow F7)
)

// AttachmentRef identifies one attachment of a page version.
type AttachmentRef struct {
	ID           string
	FileName     string
	MediaType    string
	Size         int64
	Version      int
	DownloadLink string
}

// PageSnapshot is what the bridge knows about one approved page version.
type PageSnapshot struct {
	PageID, Title                string
	SpaceID, SpaceKey, SpaceName string
	OwnerID, AuthorID, URL       string
	Version                      int
	VersionAt                    time.Time
	Labels                       []string
	Properties                   map[string]json.RawMessage // only those the mapping reads
	Rule                         string                     // the mapping rule that files it: "publish" or "record:<type>"
	RecordType                   string                     // for records: the matching record rule type
	PublishedLabel               string                     // label to set once published (from the space rule)
	ApprovalSignal               string
	ApprovedBy                   string
	ApprovedAt                   time.Time
	ApprovalStatus               string // "" = Approved; "In Review" for a lifecycle draft
	Attachments                  []AttachmentRef
	RecordProperty               PropertyState // the record link property as ReadPage saw it
	StatusProperty               PropertyState // the record status property as ReadPage saw it
	// Readers is who may read the page (its own and its ancestors' read
	// restrictions), for the record's access list; nil when not read, and
	// then nothing is filed.
	Readers *access.PageReaders `json:",omitempty"`
}

// PropertyState is what a read saw of a content property a later step
// writes: absent (Known, no ID) or its id and version, so the write needs
// no read of its own. The zero value means "not seen": read first.
type PropertyState struct {
	Known   bool
	ID      string
	Version int
}

// Property is the state as the client sees a property (nil: absent).
func (s PropertyState) Property(key string) *confluence.Property {
	if s.ID == "" {
		return nil
	}
	return &confluence.Property{ID: s.ID, Key: key, Version: s.Version}
}

// Facts is the snapshot as the mapping rules see it.
func (p *PageSnapshot) Facts() mapping.PageFacts {
	return mapping.PageFacts{
		PageID: p.PageID, Title: p.Title, SpaceKey: p.SpaceKey, SpaceName: p.SpaceName,
		OwnerID: p.OwnerID, AuthorID: p.AuthorID, URL: p.URL, Version: p.Version, VersionAt: p.VersionAt,
		Labels: p.Labels, Properties: p.Properties, ApprovedBy: p.ApprovedBy, ApprovedAt: p.ApprovedAt,
		ApprovalStatus: p.ApprovalStatus,
	}
}

// UploadInput asks for the rendition of a page version to be stored in OTCS.
type UploadInput struct {
	Page PageSnapshot
	// Verify downloads the stored version and checks its checksum before
	// the activity returns (fixity in the same activity).
	Verify bool
}

// UploadResult says where the rendition landed.
type UploadResult struct {
	NodeID   int64
	Name     string
	FolderID int64
	Version  int    // OTCS version number holding this page version
	SHA256   string // of the rendition bytes, computed while streaming
	Size     int64
	Created  bool // a new node was created (first publish of the page)
	Reused   bool // this page version was already stored; nothing was written
	URL      string
	// Rendition describes the file for PDF renditions ("PDF/A-3b, 4
	// pages"); empty for MHTML. Blocked lists the external URLs the page
	// refers to that the renderer refused (never fetched).
	Rendition string   `json:",omitempty"`
	Blocked   []string `json:",omitempty"`
	// Access is whom the source page was restricted to when filed ("not
	// restricted", or "groups legal; users ..."), for the record's evidence.
	Access string `json:",omitempty"`
}

// StoreInput asks for a page version to be stored, verified and
// classified as its record (StoreRecord).
type StoreInput struct {
	Page PageSnapshot
}

// StoreResult is what StoreRecord did: the upload and the classification.
type StoreResult struct {
	Upload   UploadResult
	Classify ClassifyResult
	// Status is the record as its source page shows it (node, version, RM
	// data), as the record-status sweep would read it.
	Status *RecordState `json:",omitempty"`
}

// ClassifyInput asks for the metadata and RM classification of a record.
type ClassifyInput struct {
	Page   PageSnapshot
	NodeID int64
	SHA256 string
}

// ClassifyResult reports the classification applied.
type ClassifyResult struct {
	CategoryID     int64
	Attributes     int    // attribute values written
	Classification string // RM file number and name, "" when the space has no RM rule
	Official       bool
}

// VerifyInput names the stored version and its expected fixity.
type VerifyInput struct {
	NodeID  int64
	Version int
	SHA256  string
	Size    int64
}

// RecordLink is what the bridge writes back onto the Confluence page.
type RecordLink struct {
	NodeID         int64     `json:"nodeId"`
	Version        int       `json:"otcsVersion"`
	PageVersion    int       `json:"pageVersion"`
	URL            string    `json:"url"`
	SHA256         string    `json:"sha256"`
	Classification string    `json:"classification,omitempty"`
	PublishedAt    time.Time `json:"publishedAt"`
	WorkflowID     string    `json:"workflowId"`
}

// WriteBackInput asks for the record link to be stored on the page.
type WriteBackInput struct {
	PageID string
	Label  string // label to add, e.g. "otcs-published"
	Record RecordLink
	// Property is the record property as ReadPage saw it (zero: unknown).
	Property PropertyState
	// Readers is who could read the page when it was read for filing;
	// WriteBack reads them again and reports a change.
	Readers           *access.PageReaders `json:",omitempty"`
	SpaceID, SpaceKey string              `json:",omitempty"`
	// Status, when set, is shown on the page as the record-status sweep
	// shows it (status property and comment), so a page shows it is a
	// record as soon as it is one. StatusProperty is that property as
	// ReadPage saw it.
	Status         *RecordState  `json:",omitempty"`
	StatusProperty PropertyState `json:",omitempty"`
}

// WriteBackResult says whether the page's readers changed while its
// record was filed.
type WriteBackResult struct {
	// Readers is who may read the page now, when that differs from what
	// the filing read (nil: unchanged, or the page is open).
	Readers *access.PageReaders `json:",omitempty"`
}

// SecureRecordsInput names a page whose read access changed (its
// descendants are looked at too), or PageIDs to look at alone.
type SecureRecordsInput struct {
	PageID      string
	PageIDs     []string `json:",omitempty"`
	SpaceKey    string   `json:",omitempty"` // the space of PageIDs
	RequestedBy string
}

// RecordAccess is one page's OTCS record and who may read the page now.
type RecordAccess struct {
	PageID  string
	NodeID  int64
	Readers *access.PageReaders
}

// RecordReadersResult lists the records under a page whose access may
// have to narrow.
type RecordReadersResult struct {
	Records   []RecordAccess
	Checked   int  // pages looked at (the page and its descendants)
	Truncated bool // more than maxSecuredPages descendants: the rest were not looked at
}

// RecordAccessInput asks for records' access lists to follow their pages.
type RecordAccessInput struct {
	Records []RecordAccess
	// Widen lets a record grow back to what its page and folder allow; only
	// a page's own SecureRecords run, which applies changes in order, may.
	Widen bool
}

// NarrowResult says what NarrowRecords did.
type NarrowResult struct {
	Narrowed  []int64 // records whose access list was made narrower
	Widened   []int64 `json:",omitempty"` // records given back access their page allows again
	Unchanged int     // records already as narrow as their page
	// Fallback lists records whose page names someone unmappable: they
	// were narrowed to the kept (and fallback) groups only.
	Fallback []int64 `json:",omitempty"`
}

// SourceMarker is written into the OTCS version description; it is how a
// retried or repeated publish finds that this page version is already stored.
func SourceMarker(pageID string, version int) string {
	return SourcePrefix(pageID) + strconv.Itoa(version)
}

// SourcePrefix starts the marker of every version of a page's record.
func SourcePrefix(pageID string) string { return "confluence:" + pageID + ":v" }
