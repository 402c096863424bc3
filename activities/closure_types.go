package activities

import "time"

// Record sets at project closure (`starter close`): the CloseSpace
// workflow backfills the space, then lists its records a batch at a time
// on the Confluence queue and stages each batch as a part of the
// manifest in OTCS; sealing builds the manifest from those parts inside
// the OpenText activity, so the manifest never passes through Temporal
// as one payload.

// Error types of a closure.
const (
	TypeSpaceNotFound     ErrorType = "SpaceNotFound"     // Confluence has no space with the key (or the bridge may not see it)
	TypeClosureIncomplete ErrorType = "ClosureIncomplete" // flows of the closure's backfill failed: no set was sealed
)

// CloseCheckInput names the space to close.
type CloseCheckInput struct {
	SpaceKey   string
	RootPageID string `json:",omitempty"` // a page tree of the space: its root ("": the whole space)
}

// CloseCheckResult is the space as Confluence and the mapping know it.
type CloseCheckResult struct {
	SpaceKey  string
	SpaceName string
	ReadOnly  bool   // the mapping's closure.read_only
	RootTitle string `json:",omitempty"`
}

// RecordSetMember is one record of a set: a row of the manifest.
type RecordSetMember struct {
	PageID      string
	Title       string
	PageVersion int    // the Confluence version the record holds
	NodeID      int64  // the OTCS record
	OTCSVersion int    // the OTCS version holding that page version
	SHA256      string // the stored rendition's checksum, as the record link names it
}

// RecordSetMembersInput asks for the records of the next batch of pages.
type RecordSetMembersInput struct {
	SpaceKey   string
	RootPageID string `json:",omitempty"`
	After      BackfillCursor
	Limit      int
}

// RecordSetMembersBatch is one batch: the recorded pages among the listed
// ones, and where the next batch starts.
type RecordSetMembersBatch struct {
	Members    []RecordSetMember
	Listed     int // pages looked at
	Unrecorded int // pages without a record of any version (never approved, say)
	Next       BackfillCursor
	More       bool
}

// OpenRecordSetInput asks for a space's record set folder.
type OpenRecordSetInput struct {
	SpaceKey   string
	RootPageID string `json:",omitempty"` // the set of a page tree
	// Fresh starts the manifest over: parts an earlier, unfinished
	// closure staged are discarded (a sealed set is never touched).
	Fresh bool
}

// RecordSet is a space's record set in OTCS.
type RecordSet struct {
	SpaceKey       string
	FolderID       int64 // the set: a folder
	PartsID        int64 // the staging folder of manifest parts; 0 once sealed
	ManifestID     int64 // the manifest document; 0 until sealed
	Sealed         bool  // the manifest exists (a second closure finds it)
	Members        int
	SHA256         string // of the manifest
	Classification string // the manifest's RM classification
	URL            string // the set in the Smart UI
}

// RecordSetPartInput is one batch of members to stage as a manifest part.
type RecordSetPartInput struct {
	SpaceKey string
	PartsID  int64
	Part     int // 1, 2, …: the order of the parts in the manifest
	Members  []RecordSetMember
}

// RecordSetPartResult is the staged part.
type RecordSetPartResult struct {
	NodeID   int64
	Existing bool // a retry found the part staged
}

// SealRecordSetInput asks for the manifest to be built from the parts,
// stored in the set and declared.
type SealRecordSetInput struct {
	SpaceKey   string
	RootPageID string `json:",omitempty"`
	FolderID   int64
	PartsID    int64
	Parts      int
	Members    int // rows the parts hold together
	ClosedAt   time.Time
}

// ReadOnlyPagesInput asks for the next batch of the space's pages to be
// made read-only.
type ReadOnlyPagesInput struct {
	SpaceKey   string
	RootPageID string `json:",omitempty"`
	After      BackfillCursor
	Limit      int
}

// ReadOnlyPagesBatch is one batch of pages made read-only.
type ReadOnlyPagesBatch struct {
	Listed     int
	Restricted int // pages whose update restriction was written
	Next       BackfillCursor
	More       bool
}

// ManifestName is the file name of a record set's manifest.
const ManifestName = "manifest.csv"

// ManifestHeader is the first row of every manifest.
var ManifestHeader = []string{"page_id", "title", "page_version", "node_id", "otcs_version", "sha256"}
