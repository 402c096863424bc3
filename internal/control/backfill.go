package control

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// BackfillRequest asks for a whole space to be backfilled.
type BackfillRequest struct {
	SpaceKey    string
	Since       time.Time // only pages last modified since then; zero: every page
	Concurrency int       // flows in flight at most; 0: workflows.DefaultBackfillConcurrency
	BatchSize   int       // pages per batch; 0: workflows.DefaultBackfillBatch
	DryRun      bool      // decide only (its own workflow id; never blocks a real backfill)
	RequestedBy string
}

// NoBackfillError says a space has no backfill to act on.
type NoBackfillError struct{ SpaceKey, Why string }

func (e *NoBackfillError) Error() string {
	return fmt.Sprintf("space %s has no %s backfill (start one: starter backfill --space %s)", e.SpaceKey, e.Why, e.SpaceKey)
}

// spaceKeyPattern is what a Confluence space key can be (personal spaces
// start with ~), before it goes into a workflow id.
var spaceKeyPattern = regexp.MustCompile(`^~?[A-Za-z0-9_-]{1,255}$`)

// Backfill starts the Backfill workflow of a space, or finds the one that
// is running (whatever its flags). A finished backfill may be run again:
// pages recorded by the first cost two cheap reads each.
func (p *Client) Backfill(ctx context.Context, req BackfillRequest) (*Started, error) {
	if !spaceKeyPattern.MatchString(req.SpaceKey) {
		return nil, fmt.Errorf("space key %q is not a Confluence space key: nothing was started", req.SpaceKey)
	}
	id := workflows.BackfillWorkflowID(req.SpaceKey)
	what := "Backfill space %s: publish, file or submit every page that needs it"
	if req.DryRun {
		id = workflows.BackfillDryRunWorkflowID(req.SpaceKey)
		what = "Backfill dry run of space %s: what every page would need"
	}
	since := "every page"
	if !req.Since.IsZero() {
		since = "pages modified since " + req.Since.UTC().Format(time.RFC3339)
	}
	st, err := p.startOnce(ctx, client.StartWorkflowOptions{
		ID: id,
		// A space is backfilled again after a mapping change, say.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.SpaceAttr.ValueSet(req.SpaceKey)),
		StaticSummary:         fmt.Sprintf(what, req.SpaceKey),
		StaticDetails:         fmt.Sprintf("Requested by %s: %s, at most %d flows at once.", req.RequestedBy, since, concurrencyOf(req)),
	}, workflows.Backfill, workflows.BackfillInput{
		SpaceKey: req.SpaceKey, Since: req.Since, Concurrency: req.Concurrency, BatchSize: req.BatchSize,
		DryRun: req.DryRun, RequestedBy: req.RequestedBy,
	}, 0)
	if err != nil {
		return nil, err
	}
	// The run handle follows continue-as-new: Get returns the last run's result.
	st.Run = p.Temporal.GetWorkflow(ctx, id, "")
	return st, nil
}

func concurrencyOf(req BackfillRequest) int {
	if req.Concurrency <= 0 {
		return workflows.DefaultBackfillConcurrency
	}
	return min(req.Concurrency, workflows.MaxBackfillConcurrency)
}

// BackfillStatus is where a space's backfill stands.
type BackfillStatus = RunStatus[workflows.BackfillProgress]

// BackfillStatus reads the latest backfill of a space: the progress query
// while it runs, its result once it has finished.
func (p *Client) BackfillStatus(ctx context.Context, spaceKey string) (*BackfillStatus, error) {
	st, err := runStatus[workflows.BackfillProgress](ctx, p.Temporal, workflows.BackfillWorkflowID(spaceKey), workflows.BackfillProgressQuery)
	if errors.Is(err, errNoRun) {
		return nil, &NoBackfillError{SpaceKey: spaceKey, Why: "recorded"}
	}
	return st, err
}

// PauseBackfill asks the running backfill of a space to start nothing new
// until resumed; flows in flight finish.
func (p *Client) PauseBackfill(ctx context.Context, spaceKey string) error {
	return p.signalBackfill(ctx, spaceKey, workflows.BackfillPauseSignal)
}

// ResumeBackfill lets a paused backfill go on.
func (p *Client) ResumeBackfill(ctx context.Context, spaceKey string) error {
	return p.signalBackfill(ctx, spaceKey, workflows.BackfillResumeSignal)
}

// CancelBackfill cancels the running backfill of a space. The flows it
// started are abandoned, not cancelled: each finishes on its own.
func (p *Client) CancelBackfill(ctx context.Context, spaceKey string) error {
	id, err := p.runningBackfill(ctx, spaceKey)
	if err != nil {
		return err
	}
	err = p.Temporal.CancelWorkflow(ctx, id, "")
	if isNotFound(err) {
		return &NoBackfillError{SpaceKey: spaceKey, Why: "running"}
	}
	return err
}

func (p *Client) signalBackfill(ctx context.Context, spaceKey, signal string) error {
	id, err := p.runningBackfill(ctx, spaceKey)
	if err != nil {
		return err
	}
	err = p.Temporal.SignalWorkflow(ctx, id, "", signal, nil)
	if isNotFound(err) {
		return &NoBackfillError{SpaceKey: spaceKey, Why: "running"}
	}
	return err
}

// runningBackfill returns the id of the space's backfill if it runs. A
// closed one is refused here: the server accepts a cancel of a closed run
// without complaint, and the operator should hear that nothing happened.
func (p *Client) runningBackfill(ctx context.Context, spaceKey string) (string, error) {
	id := workflows.BackfillWorkflowID(spaceKey)
	desc, err := p.Temporal.DescribeWorkflowExecution(ctx, id, "")
	if isNotFound(err) || (err == nil && desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING) {
		return "", &NoBackfillError{SpaceKey: spaceKey, Why: "running"}
	}
	if err != nil {
		return "", fmt.Errorf("describe %s: %w", id, err)
	}
	return id, nil
}

// isNotFound says the workflow is unknown (or, for a signal, has closed).
func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
