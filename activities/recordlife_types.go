package activities

import (
	"fmt"
	"strings"
)

// RecordStatusPropertyKey is the Confluence content property where the
// bridge keeps what it shows of a record's life on its source page (the
// record's id and version, RM data, holds), what it added to freeze the
// page while the record is held, and what it did on disposal. A content
// property makes no page version, so the approval binding stays.
const RecordStatusPropertyKey = "xecm-bridge.record-status"

// Labels the bridge sets on a source page while its record is on hold and
// once it was disposed of (labels make no page version either).
const (
	HoldLabel     = "otcs-on-hold"
	DisposedLabel = "otcs-disposed"
)

// PageRecord is the record a source page links (its record property).
type PageRecord struct {
	PageID string
	NodeID int64
	URL    string `json:",omitempty"`
}

// PageRecordsResult lists the records of the pages asked about; a page
// without a record property is left out.
type PageRecordsResult struct {
	Records []PageRecord
}

// RecordStatesInput asks for the life of records in OTCS.
type RecordStatesInput struct {
	Records []PageRecord
}

// RecordState is a record's life in OTCS, as read now.
type RecordState struct {
	PageID string `json:"pageId"`
	NodeID int64  `json:"nodeId"`
	// Version is the newest version number of the record's node.
	Version        int    `json:"version,omitempty"`
	URL            string `json:"url,omitempty"`
	Classification string `json:"classification,omitempty"`
	// RecordDate and RecordStatus are the RM record details OTCS gives;
	// OTCS's REST API names no disposition date, so none is shown.
	RecordDate   string `json:"recordDate,omitempty"`
	RecordStatus string `json:"recordStatus,omitempty"`
	// Retention is the record's RSI (record series identifier), the
	// retention schedule RM applies to it.
	Retention string `json:"retention,omitempty"`
	Official  bool   `json:"official,omitempty"`
	Declared  bool   `json:"declared,omitempty"` // finalized: declared a final record
	// Holds are the names of the node's active holds.
	Holds []string `json:"holds,omitempty"`
	// Disposed: the node is gone (deleted, or destroyed by RM at the end
	// of its retention).
	Disposed bool `json:"disposed,omitempty"`
	// OtherLive: another OTCS node still carries the page's identity (a
	// later record of the page), so its source must not be trashed.
	OtherLive bool `json:"otherLive,omitempty"`
}

// Held reports whether the record is under at least one hold.
func (s RecordState) Held() bool { return !s.Disposed && len(s.Holds) > 0 }

// Line is the status as one line of text, the same on Cloud and Data
// Center: what the page's status comment and property say.
func (s RecordState) Line() string {
	if s.Disposed {
		return fmt.Sprintf("OTCS record %d was disposed of", s.NodeID)
	}
	parts := []string{fmt.Sprintf("OTCS record %d v%d", s.NodeID, s.Version)}
	if s.Classification != "" {
		parts = append(parts, "RM classification "+s.Classification)
	}
	if s.RecordStatus != "" {
		parts = append(parts, "status "+s.RecordStatus)
	}
	if s.RecordDate != "" && !strings.HasPrefix(s.RecordDate, "0001-") { // OTCS's empty date
		parts = append(parts, "record date "+s.RecordDate)
	}
	if s.Retention != "" {
		parts = append(parts, "retention "+s.Retention)
	}
	switch {
	case s.Declared:
		parts = append(parts, "declared")
	case s.Official:
		parts = append(parts, "official")
	}
	if len(s.Holds) > 0 {
		parts = append(parts, "On legal hold: "+strings.Join(s.Holds, ", "))
	} else {
		parts = append(parts, "no hold")
	}
	return strings.Join(parts, " · ")
}

// RecordStatusInput asks for the records' states to be shown on their
// source pages.
type RecordStatusInput struct {
	States []RecordState
}

// RecordStatusResult says which pages were changed.
type RecordStatusResult struct {
	Updated  []string `json:",omitempty"` // status changed (property and comment)
	Frozen   []string `json:",omitempty"` // edit-restricted for a hold
	Released []string `json:",omitempty"` // the bridge's restriction removed after the last hold was released
	Disposed []string `json:",omitempty"` // the disposal policy was applied
	// Refused are pages whose restriction leaves the bridge out: nothing
	// could be shown on them.
	Refused []string `json:",omitempty"`
}

// RecordStatus is the value of RecordStatusPropertyKey.
type RecordStatus struct {
	State RecordState `json:"state"`
	Line  string      `json:"line"`
	// Seq counts the status changes shown; it names the status comments,
	// so a retry posts each one once.
	Seq int `json:"seq"`
	// Freeze is what the bridge changed to freeze the page for a hold;
	// nil: the page is not frozen.
	Freeze *Freeze `json:"freeze,omitempty"`
	// Disposal is the policy applied when the record was disposed of.
	Disposal string `json:"disposal,omitempty"`
}

// Freeze is the page's edit restriction before the bridge froze it, and
// what the bridge added to it: a release removes exactly what was added
// and gives back what was there.
type Freeze struct {
	PriorUsers  []string `json:"priorUsers,omitempty"`
	PriorGroups []string `json:"priorGroups,omitempty"`
	AddedUsers  []string `json:"addedUsers,omitempty"`
	AddedGroups []string `json:"addedGroups,omitempty"`
	Holds       []string `json:"holds,omitempty"`
}
