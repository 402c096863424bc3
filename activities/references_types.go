package activities

import (
	"sort"
)

// Reference is one OTCS document a page references.
type Reference struct {
	NodeID       int64  `json:"nodeId"`
	URL          string `json:"url,omitempty"` // the link as written; "" for a reference an operator added
	Status       string `json:"status"`        // RefAvailable, RefUnavailable, RefRefused
	Reason       string `json:"reason,omitempty"`
	DocumentPage string `json:"documentPageId,omitempty"`
	Title        string `json:"documentPageTitle,omitempty"`
	Manual       bool   `json:"manual,omitempty"`     // added by `starter reference add`; kept without a link
	Restricted   bool   `json:"restricted,omitempty"` // not public in OTCS: shown as RestrictedDocument, no name
}

// Reference statuses.
const (
	RefAvailable   = "available"   // a document with a document page
	RefUnavailable = "unavailable" // no such node, or the bridge or the page's author may not see it
	RefRefused     = "refused"     // a node that is not a document (a folder, ...)
)

// ReferenceList is what the bridge keeps on a referencing page (content
// property ReferencesPropertyKey).
type ReferenceList struct {
	Refs []Reference `json:"references"`
	// Commented lists the nodes whose broken link the page has already
	// been told about, so each gets one comment.
	Commented []int64 `json:"commented,omitempty"`
}

// ReferenceScan is what a page references now, and what it did before.
type ReferenceScan struct {
	PageID, Title, SpaceKey, URL string
	SpaceID                      string  `json:",omitempty"`
	Skip                         string  // why the page is not scanned ("" = scanned)
	Linked                       []int64 // nodes linked in the body, in id order
	LinkURLs                     map[string]string
	Previous                     ReferenceList
	// Author is who wrote the page version scanned: a reference is
	// accepted only to a node this person may see in OTCS.
	Author *ReferenceAuthor `json:",omitempty"`
}

// ReferenceAuthor is the Confluence identity of a page version's author,
// for mapping to an OTCS user (access.user_table, or the email where
// Confluence shows it).
type ReferenceAuthor struct {
	AccountID, Email string
}

// ReadReferencesInput names a page to scan.
type ReadReferencesInput struct {
	PageID string
}

// Wanted lists the nodes the page references now: its links, the manual
// references kept from before, and added.
func (s *ReferenceScan) Wanted(added []int64) []int64 {
	out := append([]int64{}, s.Linked...)
	for _, r := range s.Previous.Refs {
		if r.Manual && !ContainsID(out, r.NodeID) {
			out = append(out, r.NodeID)
		}
	}
	for _, id := range added {
		if !ContainsID(out, id) {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// RecordReferencesInput is a scan with the documents it resolved to.
type RecordReferencesInput struct {
	Scan   ReferenceScan
	Manual []int64 // references an operator added now
	States []DocumentState
	Pages  []UpsertedPage
}

// RecordReferencesResult reports the references recorded.
type RecordReferencesResult struct {
	Refs    []Reference
	Added   []int64 // documents whose "Referenced from" gained the page
	Removed []int64 // documents whose "Referenced from" lost it
	Comment bool    // the page got a comment about broken links
}
