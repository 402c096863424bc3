package control

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// CloseRequest asks for a space to be closed: its pages filed, its record
// set sealed, and (when the mapping says so) its pages made read-only.
type CloseRequest struct {
	SpaceKey    string
	RootPageID  string // close a page tree (the page and every page below it); SpaceKey may then be "": the page's space
	Concurrency int    // the backfill's flows in flight; 0: workflows.DefaultBackfillConcurrency
	BatchSize   int    // pages per batch; 0: workflows.DefaultCloseBatch
	RequestedBy string
}

// NoClosureError says a space has no closure to report on.
type NoClosureError struct{ SpaceKey string }

func (e *NoClosureError) Error() string {
	return fmt.Sprintf("space %s has no recorded closure (start one: starter close --space %s)", e.SpaceKey, e.SpaceKey)
}

// Close starts the CloseSpace workflow of a space (id close:<KEY>), or
// finds the one that runs. A finished closure may be started again: it
// finds the sealed record set and changes nothing.
func (p *Client) Close(ctx context.Context, req CloseRequest) (*Started, error) {
	if req.RootPageID != "" {
		if !workflows.ValidPageID(req.RootPageID) {
			return nil, fmt.Errorf("page id %q is not a Confluence page id: nothing was started", req.RootPageID)
		}
		if req.SpaceKey == "" {
			if p.Confluence == nil {
				return nil, fmt.Errorf("closing page %s needs its space key (no Confluence client to look it up)", req.RootPageID)
			}
			page, err := p.Confluence.GetPage(ctx, req.RootPageID, confluence.GetPageOptions{})
			if err != nil {
				return nil, fmt.Errorf("read page %s: %w", req.RootPageID, err)
			}
			req.SpaceKey = page.SpaceKey
		}
	}
	if !spaceKeyPattern.MatchString(req.SpaceKey) {
		return nil, fmt.Errorf("space key %q is not a Confluence space key: nothing was started", req.SpaceKey)
	}
	id := workflows.CloseWorkflowID(req.SpaceKey, req.RootPageID)
	what := "Close space " + req.SpaceKey
	if req.RootPageID != "" {
		what = fmt.Sprintf("Close page tree %s of space %s", req.RootPageID, req.SpaceKey)
	}
	st, err := p.startOnce(ctx, client.StartWorkflowOptions{
		ID:                    id,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.SpaceAttr.ValueSet(req.SpaceKey)),
		StaticSummary:         what + ": file what has no record, seal its record set",
		StaticDetails:         fmt.Sprintf("Requested by %s.", req.RequestedBy),
	}, workflows.CloseSpace, workflows.CloseSpaceInput{
		SpaceKey: req.SpaceKey, RootPageID: req.RootPageID, Concurrency: req.Concurrency, BatchSize: req.BatchSize, RequestedBy: req.RequestedBy,
	}, 0)
	if err != nil {
		return nil, err
	}
	// Follows continue-as-new: Get returns the last run's result.
	st.Run = p.Temporal.GetWorkflow(ctx, id, "")
	return st, nil
}

// CloseStatus is where a space's closure stands.
type CloseStatus = RunStatus[workflows.CloseProgress]

// CloseStatus reads the latest closure of a space (or of its page tree
// under rootPageID): the progress query while it runs, its result once it
// has finished, its error otherwise.
func (p *Client) CloseStatus(ctx context.Context, spaceKey, rootPageID string) (*CloseStatus, error) {
	st, err := runStatus[workflows.CloseProgress](ctx, p.Temporal, workflows.CloseWorkflowID(spaceKey, rootPageID), workflows.CloseProgressQuery)
	if errors.Is(err, errNoRun) {
		return nil, &NoClosureError{SpaceKey: spaceKey}
	}
	return st, err
}
