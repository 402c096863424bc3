package activities

import (
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
)

// BackfillCursor is the last page a backfill has scheduled, in listing
// order (last modification, then page id).
type BackfillCursor struct {
	ModifiedAt time.Time `json:",omitzero"`
	PageID     string    `json:",omitempty"`
	// Offset is where the page stood in the search Query listed it in: a
	// hint that lets the next batch start reading near it, instead of at
	// the start of its minute (CQL dates have minute precision, so a space
	// filled by a bulk import would otherwise be read again per batch).
	Offset int    `json:",omitempty"`
	Query  string `json:",omitempty"`
}

// precedes says whether p comes after the cursor in listing order.
func (c BackfillCursor) precedes(p confluence.PageRef) bool {
	if c.PageID == "" {
		return true
	}
	if !p.ModifiedAt.Equal(c.ModifiedAt) {
		return p.ModifiedAt.After(c.ModifiedAt)
	}
	return p.ID > c.PageID
}

// BackfillBatchInput asks for the decisions on the next batch of a space.
type BackfillBatchInput struct {
	SpaceKey string
	Since    time.Time `json:",omitzero"` // pages last modified before this are left out
	Until    time.Time `json:",omitzero"` // ...and after this (the backfill's start: later edits are the triggers' job)
	After    BackfillCursor
	Limit    int
	// DryRun decides without writing anything: the approval signal of a
	// page edited after its approval is not removed, a content-state
	// approval is not recorded.
	DryRun bool
	// RootPageID limits the batch to a page tree: the page and every page
	// below it ("": the whole space).
	RootPageID string `json:",omitempty"`
}

// Wants says whether a listed page belongs to this batch's range: after
// the cursor, modified at or after Since (to the millisecond Confluence
// reports) and not after Until.
func (in BackfillBatchInput) Wants(p confluence.PageRef) bool {
	return in.After.precedes(p) && !p.ModifiedAt.Before(in.Since.Truncate(time.Millisecond)) &&
		(in.Until.IsZero() || !p.ModifiedAt.After(in.Until))
}

// BackfillDecision is what one page needs.
type BackfillDecision struct {
	PageID  string
	Title   string
	Version int
	Flow    Flow   // FlowPublish, FlowFile, FlowReview or FlowNone
	Reason  string // the rule that matched, or why nothing is to be done
	// SkipKind is Reason without what is particular to the page, so
	// skipped pages can be counted by reason (FlowNone only).
	SkipKind string `json:",omitempty"`
	Recorded bool   `json:",omitempty"` // already recorded at Version (Flow is FlowNone)
}

// BackfillBatch is one batch of decisions and where the next one starts.
type BackfillBatch struct {
	Pages []BackfillDecision
	Next  BackfillCursor
	More  bool // pages after Next remain
}

// SkipRecorded is the SkipKind of a page already recorded at its version.
const SkipRecorded = "already recorded"

// BackfillSubmitInput names a page version to submit to its lifecycle.
type BackfillSubmitInput struct {
	PageID      string
	Version     int
	RequestedBy string
}

// BackfillSubmitResult is the lifecycle the page was submitted to.
type BackfillSubmitResult struct {
	WorkflowID string
	Existing   bool // a lifecycle of the page was running (it was given the version)
}

// AwaitFlowsInput names flows another trigger had started (the backfill
// found them running) that a closure waits for before it lists records.
type AwaitFlowsInput struct {
	SpaceKey    string
	WorkflowIDs []string
}

// AwaitFlowsResult lists the flows that ended without completing.
type AwaitFlowsResult struct {
	Unfinished []string `json:",omitempty"`
}
