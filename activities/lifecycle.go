package activities

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// Activities of the document lifecycle (flow F7, workflow
// DocumentLifecycle): draft → review → approve → classify → return. The
// Confluence ones run on the Confluence queue, the OTCS ones on the OTCS
// queue, like every other activity of the bridge.

// Error types of the lifecycle (besides the shared ones).
const (
	ErrNoReviewRule = "NoReviewRule"           // the space has no review: section
	ErrWorkflowMap  = "WorkflowMapUnavailable" // the OTCS workflow map is missing or cannot be started
	ErrStaleVersion = "StaleVersion"           // a newer page version exists than the one asked for
)

// ReviewPlan is a space's review rule as the workflow needs it; it is read
// with each submitted version so a changed mapping applies to the next round.
type ReviewPlan struct {
	Mode          string // mapping.ReviewTemporal or mapping.ReviewOTCS
	DecideIn      string `json:",omitempty"` // mode temporal: mapping.DecideInTemporal (Updates) or mapping.DecideInConfluence (page comments)
	Reviewers     []string
	Deputies      []string
	WorkflowMap   int64
	Deadline      time.Duration
	Reminder      time.Duration
	PollInterval  time.Duration
	Meaning       string
	SubmitLabel   string
	ChangesLabel  string
	ApprovedLabel string
	ReadOnly      bool
	OwnersGroup   string
	BridgeAccount string
}

func planOf(r *mapping.Review) ReviewPlan {
	return ReviewPlan{
		Mode: r.Mode, DecideIn: r.DecideIn, Reviewers: r.Reviewers, Deputies: r.Deputies, WorkflowMap: r.WorkflowMap,
		Deadline: r.Deadline, Reminder: r.Reminder, PollInterval: r.PollInterval, Meaning: r.Meaning,
		SubmitLabel: r.SubmitLabel, ChangesLabel: r.ChangesLabel, ApprovedLabel: r.ApprovedLabel,
		ReadOnly: r.ReadOnly, OwnersGroup: r.OwnersGroup, BridgeAccount: r.BridgeAccount,
	}
}

// reviewTarget is chooseTarget for PurposeReview: the space's review folder.
func reviewTarget(space *mapping.Space, snap *PageSnapshot) (*mapping.Target, error) {
	if space.Review == nil {
		return nil, nonRetryable(ErrNoReviewRule, "space %s has no review: section in the mapping file, so page %s cannot be submitted for review", space.Key, snap.PageID)
	}
	return &space.Review.Target, nil
}

// SnapshotInput names the page version submitted for review.
type SnapshotInput struct {
	PageID      string
	Version     int // the submitted version; 0 = current
	SubmittedBy string
}

// ReviewSnapshot is the submitted version plus the review rule of its space.
type ReviewSnapshot struct {
	Page PageSnapshot
	Plan ReviewPlan
}

// SnapshotForReview reads the submitted page version (as ReadPage does for a
// publish, under the space's review rule), marks the page as in review
// (submit label on, changes-requested label off) and returns the review
// plan. Labels create no page version, so this never looks like a
// resubmission.
func (a *ConfluenceActivities) SnapshotForReview(ctx context.Context, in SnapshotInput) (_ *ReviewSnapshot, err error) {
	defer func() { observe(ctx, "SnapshotForReview", err) }()
	snap, err := a.ReadPage(ctx, ReadPageInput{PageID: in.PageID, Version: in.Version, Purpose: PurposeReview})
	if err != nil {
		return nil, err
	}
	space, err := a.Rules.ForSpace(snap.SpaceKey)
	if err != nil {
		return nil, backendError("mapping", err)
	}
	rv := space.Review
	// A draft carries no approval: the evidence is filled in when a
	// reviewer approves it.
	snap.ApprovedBy, snap.ApprovedAt, snap.ApprovalStatus = "", time.Time{}, "In Review"
	snap.ApprovalSignal = fmt.Sprintf("submitted for review by %s", firstNonBlank(in.SubmittedBy, snap.AuthorID))
	if err := a.Confluence.AddLabels(ctx, snap.PageID, rv.SubmitLabel); err != nil {
		return nil, pageError(snap.PageID, "add label", err)
	}
	if err := a.removeLabels(ctx, snap.PageID, rv.ChangesLabel); err != nil {
		return nil, err
	}
	return &ReviewSnapshot{Page: *snap, Plan: planOf(rv)}, nil
}

// CheckPageInput names the page whose existence a decision depends on.
type CheckPageInput struct {
	PageID  string
	Version int // the reviewed version
}

// CheckPage confirms the page still exists before its approved version is
// declared: a page deleted during review ends the lifecycle with
// PageNotFound and the OTCS draft is kept as it is. It returns the page's
// current version.
func (a *ConfluenceActivities) CheckPage(ctx context.Context, in CheckPageInput) (_ int, err error) {
	defer func() { observe(ctx, "CheckPage", err) }()
	page, err := a.Confluence.GetPage(ctx, in.PageID, confluence.GetPageOptions{})
	if err != nil {
		return 0, pageError(in.PageID, "read page", err)
	}
	return page.Version.Number, nil
}

// PageNoteInput is a comment and label change on a page. Marker makes it
// idempotent: a comment containing it is not posted twice.
type PageNoteInput struct {
	PageID       string
	Marker       string // unique per note, e.g. lifecycle:100001:r2:rejected
	Text         string // plain text; escaped into the storage body
	Link         string // optional link shown after the text
	LinkText     string
	AddLabels    []string
	RemoveLabels []string
}

// PostPageNote adds a footer comment to the page (reminders, escalation,
// rejection with the reviewer's comment, withdrawal) and changes labels.
// Neither creates a page version, so it never re-triggers the lifecycle.
func (a *ConfluenceActivities) PostPageNote(ctx context.Context, in PageNoteInput) (err error) {
	defer func() { observe(ctx, "PostPageNote", err) }()
	if in.Text != "" {
		if err := commentOnce(ctx, a.Confluence, in.PageID, in.Marker, noteBody(in)); err != nil {
			return pageError(in.PageID, "comment on the page", err)
		}
	}
	if len(in.AddLabels) > 0 {
		if err := a.Confluence.AddLabels(ctx, in.PageID, in.AddLabels...); err != nil {
			return pageError(in.PageID, "add labels", err)
		}
	}
	return a.removeLabels(ctx, in.PageID, in.RemoveLabels...)
}

// LifecycleRecord is the content property the lifecycle leaves on the page
// (same key as a publish, RecordPropertyKey): the record link plus the
// approval evidence.
type LifecycleRecord struct {
	RecordLink
	RecordID        int64     `json:"recordId"` // the declared record's node id
	Finalized       bool      `json:"finalized"`
	ApprovedBy      string    `json:"approvedBy"`
	ApprovedAt      time.Time `json:"approvedAt"`
	ApprovalMeaning string    `json:"approvalMeaning"`
}

// ReturnInput is what the lifecycle writes back once the record is declared.
type ReturnInput struct {
	PageID       string
	Record       LifecycleRecord
	Note         PageNoteInput // the visible comment with the link, and the label swap
	RestrictTo   []string      // users that keep edit rights (nil: leave restrictions alone)
	RestrictToGr []string      // groups that keep edit rights
}

// ReturnToPage links the declared record back on the page: the content
// property, a comment with the link, the draft labels replaced by the
// approved label, and (if the mapping says so) an update restriction to the
// bridge and the owners. None of it creates a page version.
func (a *ConfluenceActivities) ReturnToPage(ctx context.Context, in ReturnInput) (err error) {
	defer func() { observe(ctx, "ReturnToPage", err) }()
	if _, err := a.Confluence.SetProperty(ctx, in.PageID, RecordPropertyKey, in.Record); err != nil {
		return pageError(in.PageID, "write record property", err)
	}
	if err := a.PostPageNote(ctx, in.Note); err != nil {
		return err
	}
	if len(in.RestrictTo) == 0 && len(in.RestrictToGr) == 0 {
		return nil
	}
	if err := a.Confluence.SetUpdateRestriction(ctx, in.PageID, in.RestrictTo, in.RestrictToGr); err != nil {
		return pageError(in.PageID, "restrict page edits", err)
	}
	return nil
}

// commentOnce posts body on the page unless a comment carrying marker is
// there already (posted by an earlier attempt), so a retried activity
// comments once.
func commentOnce(ctx context.Context, c *confluence.Client, pageID, marker, body string) error {
	if marker != "" {
		comments, err := c.Comments(ctx, pageID)
		if err != nil {
			return err
		}
		for _, cm := range comments {
			if strings.Contains(cm.Body, marker) {
				return nil
			}
		}
	}
	_, err := c.AddComment(ctx, pageID, body)
	return err
}

func (a *ConfluenceActivities) removeLabels(ctx context.Context, pageID string, names ...string) error {
	for _, l := range names {
		if l == "" {
			continue
		}
		err := a.Confluence.RemoveLabel(ctx, pageID, l)
		if err != nil && !rest.IsKind(err, rest.KindNotFound) {
			return pageError(pageID, "remove label "+l, err)
		}
	}
	return nil
}

func noteBody(in PageNoteInput) string {
	var b strings.Builder
	b.WriteString("<p>")
	b.WriteString(html.EscapeString(in.Text))
	if in.Link != "" {
		fmt.Fprintf(&b, ` <a href="%s">%s</a>`, html.EscapeString(in.Link), html.EscapeString(firstNonBlank(in.LinkText, in.Link)))
	}
	b.WriteString("</p>")
	if in.Marker != "" {
		fmt.Fprintf(&b, "<p><sub>%s</sub></p>", html.EscapeString(in.Marker))
	}
	return b.String()
}

// pageError is backendError where a 404 means the page is gone.
func pageError(pageID, what string, err error) error {
	if rest.IsKind(err, rest.KindNotFound) {
		return nonRetryable(ErrPageNotFound, "Confluence page %s was deleted (or hidden from the bridge) during its review; the OTCS draft is kept as it is", pageID)
	}
	return backendError(what, err)
}

func firstNonBlank(xs ...string) string {
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

// StartReviewInput asks for an OTCS workflow process on the draft.
type StartReviewInput struct {
	MapID   int64
	NodeID  int64
	Title   string
	Due     time.Time
	Comment string
}

// StartReviewProcess initiates the space's workflow map with the draft
// attached (draft process, form values, initiate) and returns the process
// id. A missing or unusable map is a non-retryable WorkflowMapUnavailable.
func (a *OpenTextActivities) StartReviewProcess(ctx context.Context, in StartReviewInput) (_ int64, err error) {
	defer func() { observe(ctx, "StartReviewProcess", err) }()
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
		return 0, nonRetryable(ErrWorkflowMap, "OTCS workflow map %d cannot be started for node %d: %v; fix review.workflow_map in the mapping file", in.MapID, in.NodeID, err)
	}
	if err != nil {
		return 0, backendError("create draft process", err)
	}
	progress.DraftID = draft
	heartbeat(ctx, progress)
	values := map[string]any{"WorkflowForm_Title": in.Title}
	if !in.Due.IsZero() {
		values["WorkflowForm_WorkflowDueDate"] = in.Due.UTC().Format("2006-01-02 15:04:05.000")
	}
	if err := a.OTCS.UpdateDraftProcess(ctx, draft, values); err != nil {
		return 0, backendError("set workflow form", err)
	}
	pid, err := a.OTCS.InitiateDraftProcess(ctx, draft, in.Comment)
	if rest.IsKind(err, rest.KindBadRequest) {
		return 0, nonRetryable(ErrWorkflowMap, "OTCS workflow map %d could not be initiated: %v", in.MapID, err)
	}
	if err != nil {
		return 0, backendError("initiate workflow", err)
	}
	progress.ProcessID = pid
	heartbeat(ctx, progress)
	return pid, nil
}

// startProgress is what StartReviewProcess has done so far.
type startProgress struct {
	DraftID, ProcessID int64
}

func heartbeat(ctx context.Context, details any) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, details)
	}
}

// ReviewProcessState is what the bridge learns from one look at a process.
type ReviewProcessState struct {
	Status      string // ontime, workflowlate, completed, stopped
	Done        bool
	Approved    bool
	By          string // who decided (login name)
	Comment     string
	At          time.Time
	CurrentStep string
	Assignees   []string
}

// PollReviewProcess reads a process's status once and, when it has ended,
// its outcome from the activities (the last disposition decides: any
// Reject rejects). It is short on purpose: the workflow waits between
// polls on a durable timer, so a review that takes days holds no worker
// slot.
func (a *OpenTextActivities) PollReviewProcess(ctx context.Context, processID int64) (_ *ReviewProcessState, err error) {
	defer func() { observe(ctx, "PollReviewProcess", err) }()
	ps, err := a.OTCS.ProcessStatus(ctx, processID)
	if err != nil {
		return nil, backendError(fmt.Sprintf("read workflow process %d", processID), err)
	}
	st := &ReviewProcessState{Status: ps.Status}
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
		return nil, backendError(fmt.Sprintf("read activities of workflow process %d", processID), err)
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
		st.By, st.Comment, st.At = firstNonBlank(act.UserName, fmt.Sprint(act.UserID)), act.Comment, act.Date
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

// WithdrawInput names the draft (and process) of a withdrawn review.
type WithdrawInput struct {
	NodeID    int64
	ProcessID int64 // 0: no OTCS process
	Note      string
}

// WithdrawDraft stops the review's OTCS process (if it still runs) and
// notes the withdrawal on the draft's description. The draft stays a
// draft: nothing is classified or declared.
func (a *OpenTextActivities) WithdrawDraft(ctx context.Context, in WithdrawInput) (err error) {
	defer func() { observe(ctx, "WithdrawDraft", err) }()
	if in.ProcessID != 0 {
		ps, err := a.OTCS.ProcessStatus(ctx, in.ProcessID)
		if err != nil {
			return backendError("read workflow process", err)
		}
		if ps.Status != opentext.ProcessCompleted && ps.Status != opentext.ProcessStopped {
			if err := a.OTCS.StopProcess(ctx, in.ProcessID); err != nil {
				return backendError(fmt.Sprintf("stop workflow process %d", in.ProcessID), err)
			}
		}
	}
	if in.NodeID != 0 {
		if _, err := a.OTCS.UpdateNode(ctx, in.NodeID, "", in.Note); err != nil {
			return backendError("note withdrawal on the draft", err)
		}
	}
	return nil
}

// DeclareInput is the approved version to make the controlled record.
type DeclareInput struct {
	Page    PageSnapshot // the reviewed version, with Rule publish and the approval evidence
	NodeID  int64
	Version int // the reviewed OTCS version; 0 for runs started before it was passed
	SHA256  string
	Meaning string
}

// DeclareResult is the record as declared.
type DeclareResult struct {
	NodeID         int64
	FolderID       int64
	Classification string
	Official       bool
	Finalized      bool
	AlreadyFinal   bool // it was declared before (a retry); nothing was changed
}

// DeclareRecord makes the approved draft the controlled record: it moves
// the node from the review folder into the publish rule's folder, writes
// the category values (approval status, approver, date; checksum), applies
// the RM classification and declares the record (FinalizeRecords). A node
// on hold is never touched (RecordOnHold, naming the hold); a node already
// finalized is left as it is.
func (a *OpenTextActivities) DeclareRecord(ctx context.Context, in DeclareInput) (_ *DeclareResult, err error) {
	defer func() { observe(ctx, "DeclareRecord", err) }()
	target, err := a.target(&in.Page)
	if err != nil {
		return nil, err
	}
	if err := a.checkHolds(ctx, in.NodeID); err != nil {
		return nil, err
	}
	res := &DeclareResult{NodeID: in.NodeID}
	if target.RM != nil {
		state, err := a.OTCS.RMClassifications(ctx, in.NodeID)
		if err != nil {
			return nil, backendError("read RM classification", err)
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
		return nil, backendError("ensure target folder", err)
	}
	res.FolderID = folder.ID
	node, err := a.OTCS.GetNode(ctx, in.NodeID)
	if err != nil {
		return nil, backendError(fmt.Sprintf("read node %d", in.NodeID), err)
	}
	if node.ParentID != folder.ID {
		_, err := a.OTCS.MoveNode(ctx, in.NodeID, folder.ID)
		if rest.IsKind(err, rest.KindConflict) {
			return nil, nonRetryable(ErrBackendRejected, "the target folder %d already holds another item named %q; rename one of them, then retry", folder.ID, node.Name)
		}
		if err != nil {
			return nil, backendError("move the approved document into the target folder", err)
		}
	}
	evidence := fmt.Sprintf("%s; approved by %s at %s; meaning: %s", sourceMarker(in.Page.PageID, in.Page.Version),
		in.Page.ApprovedBy, in.Page.ApprovedAt.UTC().Format(time.RFC3339), in.Meaning)
	if _, err := a.OTCS.UpdateNode(ctx, in.NodeID, "", evidence); err != nil {
		return nil, backendError("record approval evidence", err)
	}
	cls, err := a.ClassifyRecord(ctx, ClassifyInput{Page: in.Page, NodeID: in.NodeID, SHA256: in.SHA256})
	if err != nil {
		return nil, err
	}
	res.Classification, res.Official = cls.Classification, cls.Official
	if target.RM == nil {
		return res, nil
	}
	if err := a.OTCS.FinalizeRecords(ctx, in.NodeID); err != nil {
		return nil, backendError("declare the record (finalize)", err)
	}
	res.Finalized = true
	return res, nil
}

// checkReviewedVersion makes sure what is declared is what was reviewed:
// the node's current version is still the reviewed one, with the checksum
// the review saw. A version added in OTCS during the review stops the
// declaration (VersionChanged) instead of declaring unreviewed content.
func (a *OpenTextActivities) checkReviewedVersion(ctx context.Context, in DeclareInput) error {
	if in.Version == 0 {
		return nil
	}
	versions, err := a.OTCS.Versions(ctx, in.NodeID)
	if err != nil {
		return backendError("list versions", err)
	}
	if len(versions) == 0 {
		return nonRetryable(ErrVersionChanged, "OTCS node %d has no versions left; the reviewed version %d is gone", in.NodeID, in.Version)
	}
	if cur := versions[len(versions)-1]; cur.Number != in.Version {
		return nonRetryable(ErrVersionChanged, "OTCS node %d is at version %d (%q), added during the review of version %d; only the reviewed version is declared. Delete the added version in OTCS and retry, or withdraw and resubmit the page",
			in.NodeID, cur.Number, cur.Description, in.Version)
	}
	got, n, err := a.hashStored(ctx, in.NodeID, in.Version)
	if err != nil {
		return err
	}
	if got != in.SHA256 {
		return nonRetryable(ErrChecksumMismatch, "OTCS node %d version %d now holds %d bytes with SHA-256 %s; the reviewed version had SHA-256 %s",
			in.NodeID, in.Version, n, got, in.SHA256)
	}
	return nil
}
