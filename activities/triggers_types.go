package activities

import (
	"time"
)

// RouteInput names a page that changed and why the bridge heard of it.
type RouteInput struct {
	PageID string
	Cause  string // e.g. "webhook label_added by 557058:alice", "reconciliation"
	// The event, when a webhook brought it: a label_added of the space's
	// approval label by a known account is recorded as that account's
	// approval of the version the page had when the label was added.
	Event   string
	Actor   string
	Label   string
	EventAt time.Time // zero when the delivery carried no timestamp
}

// RouteResult says what was started for a page.
type RouteResult struct {
	PageID     string
	Version    int
	Flow       Flow   // FlowPublish, FlowFile or FlowNone
	Reason     string // why FlowNone, or which rule matched
	WorkflowID string
	Existing   bool // the flow for this page version had already been started
	// Documents is the OpenText → Confluence flow started for the page
	// (references or document page refresh), "" when none.
	Documents string `json:",omitempty"`
}

// SpaceCursor is how far reconciliation has looked in one space.
type SpaceCursor struct {
	SpaceKey string
	Since    time.Time
}

// ReconcileInput carries the cursors of the previous run.
type ReconcileInput struct {
	Cursors  []SpaceCursor
	Lookback time.Duration // for spaces without a cursor (first run, new space)
	Now      time.Time     // the run's start (workflow time), for new cursors
}

// ReconcileResult is what the run started and where it got to.
type ReconcileResult struct {
	Cursors      []SpaceCursor
	Pages        int           // changed pages looked at
	StartedTotal int           // flows started (or found already started) for them
	Started      []RouteResult // the first maxReported of those, for the operator
	// Runs counts reconciliation runs, for ReconcileInput.AccessEvery.
	Runs int `json:",omitempty"`
	// Access is what the run's re-check of published pages' read access
	// did (every AccessEvery-th run), nil when it did not run.
	Access *AccessCheck `json:",omitempty"`
	// Status is what the run's record-status sweep did (every
	// StatusEvery-th run), nil when it did not run.
	Status *StatusCheck `json:",omitempty"`
}

// StatusCheck counts a reconciliation's record-status sweep: the life of
// published pages' records in OTCS shown on the pages.
type StatusCheck struct {
	Pages    int      // published pages looked at
	Records  int      // of those, with a record
	Updated  []string `json:",omitempty"`
	Frozen   []string `json:",omitempty"`
	Released []string `json:",omitempty"`
	Disposed []string `json:",omitempty"`
	Refused  []string `json:",omitempty"` // pages whose restriction leaves the bridge out
}

// AccessCheck counts a reconciliation's re-check of records' access.
type AccessCheck struct {
	Pages    int     // published pages looked at
	Records  int     // of those, with a record
	Narrowed []int64 `json:",omitempty"`
}
