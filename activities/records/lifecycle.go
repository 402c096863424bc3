package records

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// OTCS side of the document lifecycle (flow F7, workflow
// DocumentLifecycle: draft → review → approve → classify → return): the
// review process of a draft and the declaration of the approved record.
// They run on the OpenText queue; the Confluence side is in
// confluence_lifecycle.go.

// StartReviewProcess initiates the space's workflow map with the draft
// attached (draft process, form values, initiate) and returns the process
// id. A missing or unusable map is a non-retryable WorkflowMapUnavailable.
func (a *OpenTextActivities) StartReviewProcess(ctx context.Context, in activities.StartReviewInput) (_ int64, err error) {
	defer func() { activities.Observe(ctx, "StartReviewProcess", err) }()
	// OTCS has no idempotency key for initiating a process. The draft and
	// the process ids are heartbeated as soon as they exist, so a retry
	// after a lost completion reuses them instead of starting a second
	// review (the window left is between the OTCS answer and the heartbeat).
	var progress startProgress
	if activity.IsActivity(ctx) && activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &progress)
	}
	if progress.ProcessID != 0 {
		return progress.ProcessID, nil
	}
	draft := progress.DraftID
	if draft == 0 {
		draft, err = a.OTCS.CreateDraftProcess(ctx, in.MapID, []int64{in.NodeID})
	}
	if rest.IsKind(err, rest.KindBadRequest) || rest.IsKind(err, rest.KindNotFound) {
		return 0, activities.NonRetryable(activities.TypeWorkflowMapUnavailable, "OTCS workflow map %d cannot be started for node %d: %v; fix review.workflow_map in the mapping file", in.MapID, in.NodeID, err)
	}
	if err != nil {
		return 0, activities.BackendError("create draft process", err)
	}
	progress.DraftID = draft
	activities.Heartbeat(ctx, progress)
	values := map[string]any{"WorkflowForm_Title": in.Title}
	if !in.Due.IsZero() {
		values["WorkflowForm_WorkflowDueDate"] = in.Due.UTC().Format("2006-01-02 15:04:05.000")
	}
	if err := a.OTCS.UpdateDraftProcess(ctx, draft, values); err != nil {
		return 0, activities.BackendError("set workflow form", err)
	}
	pid, err := a.OTCS.InitiateDraftProcess(ctx, draft, in.Comment)
	if rest.IsKind(err, rest.KindBadRequest) {
		return 0, activities.NonRetryable(activities.TypeWorkflowMapUnavailable, "OTCS workflow map %d could not be initiated: %v", in.MapID, err)
	}
	if err != nil {
		return 0, activities.BackendError("initiate workflow", err)
	}
	progress.ProcessID = pid
	activities.Heartbeat(ctx, progress)
	return pid, nil
}

// startProgress is what StartReviewProcess has done so far.
type startProgress struct {
	DraftID, ProcessID int64
}

// PollReviewProcess reads a process's status once and, when it has ended,
// its outcome from the activities (the last disposition decides: any
// Reject rejects). It is short on purpose: the workflow waits between
// polls on a durable timer, so a review that takes days holds no worker
// slot.
func (a *OpenTextActivities) PollReviewProcess(ctx context.Context, processID int64) (_ *activities.ReviewProcessState, err error) {
	defer func() { activities.Observe(ctx, "PollReviewProcess", err) }()
	ps, err := a.OTCS.ProcessStatus(ctx, processID)
	if err != nil {
		return nil, activities.BackendError(fmt.Sprintf("read workflow process %d", processID), err)
	}
	st := &activities.ReviewProcessState{Status: ps.Status}
	if len(ps.Current) > 0 {
		st.CurrentStep, st.Assignees = ps.Current[0].Name, ps.Current[0].Assignees
	}
	if ps.Status != opentext.ProcessCompleted && ps.Status != opentext.ProcessStopped {
		return st, nil
	}
	st.Done = true
	if ps.Status == opentext.ProcessStopped {
		st.Comment = fmt.Sprintf("the OTCS workflow process %d was stopped in OTCS", processID)
		return st, nil
	}
	acts, err := a.OTCS.ProcessActivities(ctx, processID, processID)
	if err != nil {
		return nil, activities.BackendError(fmt.Sprintf("read activities of workflow process %d", processID), err)
	}
	st.Approved = true
	decided := false
	for _, act := range acts {
		switch {
		case strings.EqualFold(act.Disposition, "Reject"):
			st.Approved = false
		case strings.EqualFold(act.Disposition, "Approve"):
		default:
			continue
		}
		decided = true
		st.By, st.Comment, st.At = activities.FirstNonBlank(act.UserName, fmt.Sprint(act.UserID)), act.Comment, act.Date
		if !st.Approved {
			break
		}
	}
	if !decided {
		st.Approved = false
		st.Comment = fmt.Sprintf("the OTCS workflow process %d completed without an Approve or Reject disposition", processID)
	}
	return st, nil
}

// WithdrawDraft stops the review's OTCS process (if it still runs) and
// notes the withdrawal on the draft's description. The draft stays a
// draft: nothing is classified or declared.
func (a *OpenTextActivities) WithdrawDraft(ctx context.Context, in activities.WithdrawInput) (err error) {
	defer func() { activities.Observe(ctx, "WithdrawDraft", err) }()
	if in.ProcessID != 0 {
		ps, err := a.OTCS.ProcessStatus(ctx, in.ProcessID)
		if err != nil {
			return activities.BackendError("read workflow process", err)
		}
		if ps.Status != opentext.ProcessCompleted && ps.Status != opentext.ProcessStopped {
			if err := a.OTCS.StopProcess(ctx, in.ProcessID); err != nil {
				return activities.BackendError(fmt.Sprintf("stop workflow process %d", in.ProcessID), err)
			}
		}
	}
	if in.NodeID != 0 {
		if _, err := a.OTCS.UpdateNode(ctx, in.NodeID, "", in.Note); err != nil {
			return activities.BackendError("note withdrawal on the draft", err)
		}
	}
	return nil
}

// DeclareRecord makes the approved draft the controlled record: it moves
// the node from the review folder into the publish rule's folder, writes
// the category values (approval status, approver, date; checksum), applies
// the RM classification and declares the record (FinalizeRecords). A node
// on hold is never touched (RecordOnHold, naming the hold); a node already
// finalized is left as it is.
func (a *OpenTextActivities) DeclareRecord(ctx context.Context, in activities.DeclareInput) (_ *activities.DeclareResult, err error) {
	defer func() { activities.Observe(ctx, "DeclareRecord", err) }()
	target, err := a.target(&in.Page)
	if err != nil {
		return nil, err
	}
	if err := a.checkHolds(ctx, in.NodeID); err != nil {
		return nil, err
	}
	res := &activities.DeclareResult{NodeID: in.NodeID}
	if target.RM != nil {
		state, err := a.OTCS.RMClassifications(ctx, in.NodeID)
		if err != nil {
			return nil, activities.BackendError("read RM classification", err)
		}
		for _, c := range state.Classifications {
			if c.Finalized {
				res.Classification, res.Official, res.Finalized, res.AlreadyFinal = describeRM(c), c.Official, true, true
				node, err := a.OTCS.GetNode(ctx, in.NodeID)
				if err == nil {
					res.FolderID = node.ParentID
				}
				return res, nil
			}
		}
	}
	if err := a.checkReviewedVersion(ctx, in); err != nil {
		return nil, err
	}
	folder, err := a.OTCS.EnsureFolderPath(ctx, a.Rules.Root, target.FolderPath(in.Page.Facts()))
	if err != nil {
		return nil, activities.BackendError("ensure target folder", err)
	}
	res.FolderID = folder.ID
	node, err := a.OTCS.GetNode(ctx, in.NodeID)
	if err != nil {
		return nil, activities.BackendError(fmt.Sprintf("read node %d", in.NodeID), err)
	}
	if node.ParentID != folder.ID {
		_, err := a.OTCS.MoveNode(ctx, in.NodeID, folder.ID)
		if rest.IsKind(err, rest.KindConflict) {
			return nil, activities.NonRetryable(activities.TypeBackendRejected, "the target folder %d already holds another item named %q; rename one of them, then retry", folder.ID, node.Name)
		}
		if err != nil {
			return nil, activities.BackendError("move the approved document into the target folder", err)
		}
	}
	evidence := fmt.Sprintf("%s; approved by %s at %s; meaning: %s", activities.SourceMarker(in.Page.PageID, in.Page.Version),
		in.Page.ApprovedBy, in.Page.ApprovedAt.UTC().Format(time.RFC3339), in.Meaning)
	if _, err := a.OTCS.UpdateNode(ctx, in.NodeID, "", evidence); err != nil {
		return nil, activities.BackendError("record approval evidence", err)
	}
	cls, err := a.classify(ctx, activities.ClassifyInput{Page: in.Page, NodeID: in.NodeID, SHA256: in.SHA256})
	if err != nil {
		return nil, err
	}
	res.Classification, res.Official = cls.Classification, cls.Official
	if target.RM == nil {
		return res, nil
	}
	if err := a.OTCS.FinalizeRecords(ctx, in.NodeID); err != nil {
		return nil, activities.BackendError("declare the record (finalize)", err)
	}
	res.Finalized = true
	return res, nil
}

// checkReviewedVersion makes sure what is declared is what was reviewed:
// the node's current version is still the reviewed one, with the checksum
// the review saw. A version added in OTCS during the review stops the
// declaration (VersionChanged) instead of declaring unreviewed content.
func (a *OpenTextActivities) checkReviewedVersion(ctx context.Context, in activities.DeclareInput) error {
	if in.Version == 0 {
		return nil
	}
	versions, err := a.OTCS.Versions(ctx, in.NodeID)
	if err != nil {
		return activities.BackendError("list versions", err)
	}
	if len(versions) == 0 {
		return activities.NonRetryable(activities.TypeVersionChanged, "OTCS node %d has no versions left; the reviewed version %d is gone", in.NodeID, in.Version)
	}
	if cur := versions[len(versions)-1]; cur.Number != in.Version {
		return activities.NonRetryable(activities.TypeVersionChanged, "OTCS node %d is at version %d (%q), added during the review of version %d; only the reviewed version is declared. Delete the added version in OTCS and retry, or withdraw and resubmit the page",
			in.NodeID, cur.Number, cur.Description, in.Version)
	}
	got, n, err := a.hashStored(ctx, in.NodeID, in.Version)
	if err != nil {
		return err
	}
	if got != in.SHA256 {
		return activities.NonRetryable(activities.TypeChecksumMismatch, "OTCS node %d version %d now holds %d bytes with SHA-256 %s; the reviewed version had SHA-256 %s",
			in.NodeID, in.Version, n, got, in.SHA256)
	}
	return nil
}
