// Package documentpage holds the model of a document page: the Confluence
// page the bridge owns and keeps current for one OTCS document (flows F2,
// F6, F8). It renders the bridge-owned panel in storage format, replaces
// only that panel in a page body that people may also edit, and finds the
// links to OTCS documents in any page body. It does no I/O.
package documentpage

import (
	"fmt"
	"time"
)

// Status is where a document stands, as its panel shows it.
type Status string

// The statuses a document page shows.
const (
	StatusCurrent    Status = "Current"             // the approved version is the latest
	StatusNewerDraft Status = "Newer draft pending" // a newer version exists that is not approved yet
	StatusOnHold     Status = "On hold"             // a legal or records hold: the page keeps the last approved version
	StatusRecord     Status = "Declared record"     // an official or finalised record
	StatusWithdrawn  Status = "Source withdrawn"    // withdrawn by its approval attribute, moved out of its hub, or deleted in OTCS
	StatusNoApproved Status = "No approved version" // nothing approved yet
)

// colour is the status lozenge colour of each status.
func (s Status) colour() string {
	switch s {
	case StatusCurrent:
		return "Green"
	case StatusNewerDraft:
		return "Yellow"
	case StatusOnHold, StatusWithdrawn:
		return "Red"
	case StatusRecord:
		return "Blue"
	}
	return "Grey"
}

// Version is one OTCS version of a document.
type Version struct {
	Number     int       // OTCS version_number, 1, 2, 3, ...
	Name       string    // "1.0", "1.1" under advanced versioning, else "N"
	Date       time.Time // when it was added
	ApprovedBy string    // where OTCS knows it (a category attribute); "" otherwise
	FileName   string
	MimeType   string
	Size       int64
}

// Label is how a version is shown: its name, or its number.
func (v Version) Label() string {
	if v.Name != "" {
		return v.Name
	}
	return fmt.Sprint(v.Number)
}

// Value is one category value the mapping selects for the panel.
type Value struct{ Name, Value string }

// Ref is a Confluence page that references a document. A restricted
// page (one with a read restriction of its own or inherited) is counted,
// never named: the document page's readers may not be its readers.
type Ref struct {
	PageID, Title, SpaceKey, URL string
	Restricted                   bool `json:",omitempty"`
}

// RestrictedDocument is all a reference shows of a document that OTCS
// does not show to everyone: no name, version or metadata.
const RestrictedDocument = "Restricted document"

// Document is everything a document page shows about one OTCS document.
// It is plain data: the same Document always renders the same panel.
type Document struct {
	NodeID      int64
	Name        string
	Description string
	Type        string // document type
	Owner       string
	Hub         string // the watch (hub) it belongs to
	Values      []Value
	Approved    *Version // latest approved version; nil when there is none
	Latest      Version  // the latest version, approved or not
	Status      Status
	Note        string // why the status is what it is, e.g. the hold's name
	NodeURL     string // Smart View URL of the document
	VersionURL  string // URL of the approved version
	Preview     string // attachment file name shown inline; "" = no preview
	Referenced  []Ref  // pages that reference it, in page id order
	// SourceChanged shows the "Source changed – review the summary" lozenge.
	SourceChanged bool
}
