package activities

import (
	"fmt"
	"time"

	"github.com/xecm-bridge/xecm-bridge/documentpage"
)

// Content properties of the OpenText → Confluence direction. Writing them
// makes no page version, so they never re-trigger a flow.
const (
	// DocumentPropertyKey, on a document page, holds the DocumentRecord.
	DocumentPropertyKey = "xecm-bridge.document"
	// ReferencesPropertyKey, on any page, holds its ReferenceList.
	ReferencesPropertyKey = "xecm-bridge.references"
	// WorkspacePropertyKey, on a "Workspace documents" page, holds the
	// document types it has a section for.
	WorkspacePropertyKey = "xecm-bridge.workspace"
)

// Labels the bridge puts on the pages it owns. They are how the pages are
// found (CQL) and how Page Properties Reports list them; the bridge puts
// them back if someone removes them.
const (
	DocumentLabel      = "xecm-document"
	SourceChangedLabel = "source-changed" // an editor removes it once the summary is reviewed
)

// DocumentState is what OTCS says about one document now, for its
// document page. It carries metadata only, never file content.
type DocumentState struct {
	Watch string                // hub name; "" for a referenced document outside every hub
	Doc   documentpage.Document // Approved as the watch's rule gives it now; nil when the rule does not hold
	// Pending: the rule does not hold for the latest version now, so the
	// page keeps the version approved before, if any.
	Pending   bool
	Withdrawn bool   // deleted in OTCS, or withdrawn by the approval attribute
	Hold      string // name of an active hold; the page keeps the last approved version
	Record    bool   // an official or finalised record
	BackLink  string // current value of the back-link attribute ("" when unset or no back link)
	Missing   string // why there is no document: ReasonNotFound, ReasonNotDocument
	Preview   bool   // the watch shows PDFs and images inline
	Connected bool   // the watch's workspace is connected to a Confluence space
	TypeSlug  string // label-safe document type, for the workspace page sections
	// Readers is who may see the document in OTCS, mapped to Confluence;
	// nil when not read, which the page side treats as restricted.
	Readers *Readership `json:",omitempty"`
}

// Why a node has no document page.
const (
	ReasonNotFound    = "not found or not visible to the bridge"
	ReasonNotDocument = "not a document"
	// ReasonNotVisible: the author of the referencing page may not see
	// the node in OTCS. It says no more, so the reference does not tell
	// whether the node exists.
	ReasonNotVisible = "not found, or not visible to the page's author in OpenText"
)

// Locked reports whether OTCS must not be modified for this document.
func (s *DocumentState) Locked() bool { return s.Hold != "" || s.Record || s.Withdrawn }

// WatchCursor is how far a watch's change feed has been read: the newest
// modify date seen, and the documents seen at exactly that time (a later
// run skips them, so equal timestamps are neither lost nor read twice).
type WatchCursor struct {
	At  time.Time
	IDs []int64
}

// The change feeds: which watches ChangedDocuments reads.
const (
	FeedDocuments = ""          // documents: (flows F2, F6, F8)
	FeedTemplates = "templates" // templates: (flow F4)
)

// ChangedDocumentsInput asks for the next page of changed documents.
type ChangedDocumentsInput struct {
	Feed    string                 // FeedDocuments or FeedTemplates
	Cursors map[string]WatchCursor // by watch name, from the previous run
	Next    map[string]WatchCursor // cursors this run is building, for watches not read to the end yet
	Full    bool                   // every document, not only changed ones
	Watch   int                    // index of the watch to read
	Page    int                    // browse page of that watch, 1-based
}

// ChangedDocumentsResult is one page of changed documents.
type ChangedDocumentsResult struct {
	Docs    []DocumentState
	Cursors map[string]WatchCursor // advanced for every watch read to its end
	Next    map[string]WatchCursor // pass back as ChangedDocumentsInput.Next
	// Done: every watch has been read; otherwise call again with Watch
	// and Page.
	Done        bool
	Watch, Page int
	// Seen lists, on a full sweep, the documents of the watch that has
	// just been read to its end (FinishedWatch), so missing ones can be
	// flagged.
	FinishedWatch string
	Seen          []int64
	Requests      int // OTCS requests made
}

// DescribeInput names documents to describe (references, refreshes).
type DescribeInput struct {
	Feed    string // whose watches' rules apply: FeedDocuments or FeedTemplates
	NodeIDs []int64
	// Author, for references: a node this Confluence user may not see in
	// OTCS is described as missing (ReasonNotVisible), with nothing of it.
	Author *ReferenceAuthor `json:",omitempty"`
}

// UpsertInput asks for the document pages of these documents.
type UpsertInput struct {
	Docs []DocumentState
}

// UpsertedPage is the document page of one document after an upsert.
type UpsertedPage struct {
	NodeID   int64
	PageID   string // "" when the document has no page (nothing approved, missing)
	URL      string
	Title    string
	Created  bool
	Changed  bool // a new page version was written
	Restored bool // someone had edited the panel; it was put back
	Flagged  bool // source-changed flag raised
	Archived bool // moved under the archive parent
	// Unarchived: the source is current again; the page was moved from the
	// archive back under its hub.
	Unarchived bool
	Skipped    string // why no page
	// Refused says why the source's readers could not be mapped (the page
	// was not made, or was narrowed to the bridge and the kept groups).
	Refused    string `json:",omitempty"`
	Restricted bool   `json:",omitempty"` // the page has a read restriction from its source
	Watch      string `json:",omitempty"` // the document's hub; "" outside every watched container
	BackLink   string // the back link OTCS holds now; "" when unset (WriteBackLinks writes URL when they differ)
	Locked     bool
}

// UpsertResult lists what happened to each document page.
type UpsertResult struct {
	Pages    []UpsertedPage
	Requests int // Confluence requests made
}

// BackLinkInput asks for back links in OTCS.
type BackLinkInput struct {
	Links []UpsertedPage
}

// BackLinkResult reports back links written and refused.
type BackLinkResult struct {
	Written int
	// KeptInConfluence lists documents under hold or declared records: they
	// are never modified, so their link lives on the Confluence side only.
	KeptInConfluence []int64
}

// MissingInput names a watch and every document a full sweep found in it.
type MissingInput struct {
	Watch string
	Seen  []int64
}

// AbsenceInput names the documents of a watch whose pages a full sweep
// did not reach, for OTCS to confirm.
type AbsenceInput struct {
	Feed    string // FeedDocuments or FeedTemplates
	Watch   string
	NodeIDs []int64
}

// AbsenceResult sorts the unseen documents: still in their watch
// (described, for their pages to be brought up to date) or gone.
type AbsenceResult struct {
	Present  []DocumentState
	Gone     []GoneDocument
	Requests int // OTCS requests made
}

// GoneDocument is a document OTCS confirmed is no longer in its watch.
type GoneDocument struct {
	NodeID int64
	Note   string // GoneDeleted, GoneInvisible, GoneMoved or GoneNotDocument
}

// Why a document left its watch, as its page says.
const (
	GoneDeleted     = "deleted in OpenText"
	GoneInvisible   = "no longer visible to the bridge in OpenText"
	GoneMoved       = "no longer in the hub"
	GoneNotDocument = "no longer a document in OpenText"
)

// ArchiveInput names the documents of a watch that OTCS confirmed gone.
type ArchiveInput struct {
	Watch string
	Gone  []GoneDocument
}

// WorkspacePageInput asks for a connected space's "Workspace documents"
// page to have a section for each of these document types.
type WorkspacePageInput struct {
	Watch string
	Types []string // document type names seen in this run
}

// WorkspaceLinkInput asks for the URL object in a workspace that points
// back at its connected Confluence space.
type WorkspaceLinkInput struct {
	Watch    string
	SpaceURL string
}

// DocumentRecord is what the bridge keeps on a document page (content
// property DocumentPropertyKey): the document as last shown, and the
// fingerprint of the panel it wrote, to see edits made inside the panel.
type DocumentRecord struct {
	Doc            documentpage.Document `json:"document"`
	PanelPrint     string                `json:"panelPrint"`
	Restricted     bool                  `json:"restricted"`
	Archived       bool                  `json:"archived"`
	PreviewVersion int                   `json:"previewVersion,omitempty"`
	// PreviewName is the one attachment that holds the controlled copy,
	// named when it was first attached and kept across versions and file
	// names, so a new version replaces the copy in place.
	PreviewName string `json:"previewName,omitempty"`
	// Archives counts the times the page was moved to the archive, so each
	// return from it is commented once.
	Archives int `json:"archives,omitempty"`
	// Readers says whom the page was last restricted to, and why (the
	// source's OTCS access), for evidence.
	Readers string `json:"readers,omitempty"`
}

// WorkspacePageResult says where a connected space's page is.
type WorkspacePageResult struct {
	PageID   string
	SpaceURL string
	Changed  bool
}

// NodeLabel is the label that finds a document page by its node.
func NodeLabel(nodeID int64) string { return fmt.Sprintf("xecm-node-%d", nodeID) }

// HubLabel is the label of every document page of a hub; the hub's index
// page is a Page Properties Report over it.
func HubLabel(watch string) string { return "xecm-hub-" + Slug(watch) }
