package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// The document lifecycle (F7) end to end. Space POL reviews in Temporal
// mode (mapping.yaml); the OTCS-mode spaces are POL's rules with another
// review section, added once to the shared rules before their first use.

var lifecycleSpaces sync.Once

func otcsModeSpaces(t *testing.T) {
	lifecycleSpaces.Do(func() {
		pol := h.rules.Spaces["POL"]
		for key, mapID := range map[string]int64{"LCO": opentextsim.DocumentApprovalMapID, "LCX": opentextsim.BrokenMapID} {
			s := pol
			rv := *pol.Review
			rv.Mode, rv.WorkflowMap, rv.PollInterval = mapping.ReviewOTCS, mapID, time.Second
			rv.Target.Folder = []string{"Review", key}
			s.Key, s.Review = key, &rv
			h.rules.Spaces[key] = s
			h.confSim.CreateSpace(key, "Lifecycle "+key)
		}
	})
}

func lifecycleCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func submit(t *testing.T, pageID string) *control.Started {
	t.Helper()
	st, err := h.publisher.Submit(lifecycleCtx(t), pageID, 0, "557058:author")
	require.NoError(t, err)
	return st
}

// waitStage waits until the lifecycle reaches stage (with the version).
func waitStage(t *testing.T, pageID string, stage workflows.Stage, version int) *workflows.LifecycleState {
	t.Helper()
	var st *workflows.LifecycleState
	require.Eventually(t, func() bool {
		var err error
		st, err = h.publisher.LifecycleStatus(context.Background(), pageID)
		return err == nil && st.Stage == stage && (version == 0 || st.PageVersion == version)
	}, 60*time.Second, 50*time.Millisecond, "page %s never reached %s v%d (last: %+v)", pageID, stage, version, st)
	return st
}

func decide(t *testing.T, pageID string, approve bool, d workflows.ReviewDecision) error {
	t.Helper()
	_, err := h.publisher.Decide(lifecycleCtx(t), pageID, approve, d)
	return err
}

func hasComment(pageID, text string) bool {
	for _, c := range h.confSim.Comments(pageID) {
		if strings.Contains(c.Storage, text) || strings.Contains(c.Body, text) {
			return true
		}
	}
	return false
}

// historyCost counts a run's history events and billable actions, as
// bench/main.go does: the start, each activity attempt, timers, signals,
// updates and search-attribute upserts.
func historyCost(t *testing.T, workflowID string) (events, actions, updates, polls int) {
	it := h.temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		events++
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, enumspb.EVENT_TYPE_TIMER_STARTED,
			enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
			enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, enumspb.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
			actions++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			actions++
			updates++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			actions += int(ev.GetActivityTaskStartedEventAttributes().GetAttempt())
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			if ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == "PollReviewProcess" {
				polls++
			}
		}
	}
	return events, actions, updates, polls
}

// checkRecord checks the declared record and the returned page.
func checkRecord(t *testing.T, pageID string, res *workflows.LifecycleResult, approver string) {
	t.Helper()
	require.Equal(t, workflows.StageReturned, res.Stage)
	require.Equal(t, 2, res.Rounds)
	require.Equal(t, 2, res.PageVersion)

	// One node, in the publish folder, with one version per reviewed page version.
	folder := policiesFolder(t)
	nodes := recordsOf(t, folder, pageID)
	require.Len(t, nodes, 1, "exactly one record for the page")
	require.Equal(t, res.NodeID, nodes[0].ID)
	versions := h.otSim.Versions(res.NodeID)
	require.Len(t, versions, 2)
	require.Contains(t, versions[0].Description, fmt.Sprintf("confluence:%s:v1", pageID))
	require.Contains(t, versions[1].Description, fmt.Sprintf("confluence:%s:v2", pageID))
	require.Equal(t, res.SHA256, versions[1].SHA256, "checksum of the approved version")
	require.Equal(t, 2, res.OTCSVersion)
	node, _ := h.otSim.Node(res.NodeID)
	require.Contains(t, node.Description, "approved by "+approver)
	require.Contains(t, node.Description, "meaning: Approved for release as a controlled document")

	vals, ok := h.otSim.CategoryValues(res.NodeID, 9001)
	require.True(t, ok)
	require.Equal(t, pageID, fmt.Sprint(vals["9001_8"]))
	require.Equal(t, "2", fmt.Sprint(vals["9001_9"]))
	require.Equal(t, "Approved", vals["9001_6"])
	require.Equal(t, approver, vals["9001_10"])
	require.NotEmpty(t, vals["9001_11"], "approval date")
	require.Equal(t, "Policies - 7 years", vals["9001_7"], "retention as mapped")
	require.Equal(t, res.SHA256, vals["9001_12"])
	rm := h.otSim.RMClassifications(res.NodeID)
	require.Len(t, rm, 1)
	require.Equal(t, int64(7001), rm[0].ClassID)
	require.True(t, rm[0].Official)
	require.True(t, h.otSim.Finalized(res.NodeID), "record declared")
	require.True(t, res.Finalized)

	// The page: property, link comment, labels, restriction; no new version.
	raw, _, ok := h.confSim.Property(pageID, activities.RecordPropertyKey)
	require.True(t, ok)
	var rec activities.LifecycleRecord
	require.NoError(t, json.Unmarshal(raw, &rec))
	require.Equal(t, res.NodeID, rec.RecordID)
	require.Equal(t, 2, rec.Version)
	require.Equal(t, 2, rec.PageVersion)
	require.Equal(t, res.SHA256, rec.SHA256)
	require.Equal(t, "POL-01 Policies and Procedures", rec.Classification)
	require.Equal(t, approver, rec.ApprovedBy)
	require.True(t, rec.Finalized)
	require.True(t, hasComment(pageID, fmt.Sprintf("/app/nodes/%d", res.NodeID)), "link comment")
	labels := h.confSim.Labels(pageID)
	require.Contains(t, labels, "otcs-approved")
	require.NotContains(t, labels, "in-review")
	require.NotContains(t, labels, "changes-requested")
	r, _ := h.confSim.Restrictions(pageID)
	require.Equal(t, []string{"557058:bridge"}, r.UpdateUsers)
	require.Equal(t, []string{"records-admins"}, r.UpdateGroups)
	page, _ := h.confSim.Page(pageID)
	require.Equal(t, 2, page.Version, "the bridge's own edits create no page version")
}

func TestLifecycleTemporalReviewEndToEnd(t *testing.T) {
	p := h.confSim.CreatePage("POL", "Clean Desk Policy", "<p>Clear desks daily.</p>", "557058:author", "dept-security")
	first := submit(t, p.ID)
	again := submit(t, p.ID)
	require.Equal(t, first.RunID, again.RunID, "two submits, one workflow")
	require.True(t, again.Existing)
	st := waitStage(t, p.ID, workflows.StageReview, 1)
	require.Equal(t, []string{"reviewer1", "reviewer2"}, st.Reviewers)
	require.Equal(t, "temporal", st.Mode)
	require.Contains(t, h.confSim.Labels(p.ID), "in-review")

	// Refused decisions leave nothing in the history.
	err := decide(t, p.ID, true, workflows.ReviewDecision{Reviewer: "mallory", PageVersion: 1})
	var refused *control.DecisionRefusedError
	require.True(t, errors.As(err, &refused), "got %v", err)
	require.Contains(t, err.Error(), `"mallory" may not review page `+p.ID)

	require.NoError(t, decide(t, p.ID, false, workflows.ReviewDecision{Reviewer: "reviewer1", Comment: "Say who empties the bins."}))
	waitStage(t, p.ID, workflows.StageRejected, 1)
	require.True(t, hasComment(p.ID, "Say who empties the bins."))
	require.Contains(t, h.confSim.Labels(p.ID), "changes-requested")
	require.NotContains(t, h.confSim.Labels(p.ID), "in-review")

	_, err = h.confSim.UpdatePage(p.ID, p.Title, "<p>Clear desks daily. Facilities empty the bins.</p>", "557058:author")
	require.NoError(t, err)
	submit(t, p.ID)
	waitStage(t, p.ID, workflows.StageReview, 2)
	err = decide(t, p.ID, true, workflows.ReviewDecision{Reviewer: "reviewer2", PageVersion: 1})
	require.True(t, errors.As(err, &refused), "stale version refused, got %v", err)
	require.Contains(t, err.Error(), "not the version under review (2)")
	require.NoError(t, decide(t, p.ID, true, workflows.ReviewDecision{Reviewer: "reviewer2", PageVersion: 2, Comment: "Good."}))

	var res workflows.LifecycleResult
	require.NoError(t, first.Run.Get(lifecycleCtx(t), &res))
	checkRecord(t, p.ID, &res, "reviewer2")

	events, actions, updates, _ := historyCost(t, first.WorkflowID)
	require.Equal(t, 2, updates, "only the two accepted decisions are in the history")
	t.Logf("Temporal review mode, one rejection round: %d history events, %d billable actions (incl. %d updates)", events, actions, updates)
	recordHistory(t, first.WorkflowID, "document_lifecycle_temporal.json")
}

func TestLifecycleOTCSReviewEndToEnd(t *testing.T) {
	otcsModeSpaces(t)
	p := h.confSim.CreatePage("LCO", "Visitor Policy", "<p>Sign in at reception.</p>", "557058:author", "dept-facilities")
	started := submit(t, p.ID)
	st := waitStage(t, p.ID, workflows.StageReview, 1)
	require.NotZero(t, st.ProcessID)
	require.NoError(t, h.otSim.ActOnTask(st.ProcessID, "reviewer1", "Reject", "Add the badge rules."))
	waitStage(t, p.ID, workflows.StageRejected, 1)
	require.True(t, hasComment(p.ID, "Add the badge rules."))

	_, err := h.confSim.UpdatePage(p.ID, p.Title, "<p>Sign in at reception and wear your badge.</p>", "557058:author")
	require.NoError(t, err)
	submit(t, p.ID)
	st2 := waitStage(t, p.ID, workflows.StageReview, 2)
	require.NotEqual(t, st.ProcessID, st2.ProcessID, "a new process for the new version")
	require.NoError(t, h.otSim.ActOnTask(st2.ProcessID, "reviewer1", "Approve", "Fine."))

	var res workflows.LifecycleResult
	require.NoError(t, started.Run.Get(lifecycleCtx(t), &res))
	require.Equal(t, "otcs", res.Decisions[1].Via)
	checkRecord(t, p.ID, &res, "reviewer1")

	events, actions, _, polls := historyCost(t, started.WorkflowID)
	// Each poll is a timer and an activity (2 actions, 11 events); report
	// the figures without polls too, since their number depends on how
	// long the reviewers take.
	t.Logf("OTCS review mode, one rejection round: %d history events, %d billable actions, of which %d polls (without polls: %d events, %d actions)",
		events, actions, polls, events-11*polls, actions-2*polls)
	recordHistory(t, started.WorkflowID, "document_lifecycle_otcs.json")
}

func TestLifecycleWithdrawStopsTheOTCSProcess(t *testing.T) {
	otcsModeSpaces(t)
	p := h.confSim.CreatePage("LCO", "Parking Policy", "<p>Park on the left.</p>", "557058:author", "dept-facilities")
	started := submit(t, p.ID)
	st := waitStage(t, p.ID, workflows.StageReview, 1)
	require.NoError(t, h.publisher.Withdraw(lifecycleCtx(t), p.ID, "557058:author", "superseded"))
	var res workflows.LifecycleResult
	require.NoError(t, started.Run.Get(lifecycleCtx(t), &res))
	require.Equal(t, workflows.StageWithdrawn, res.Stage)
	for _, ps := range h.otSim.Processes() {
		if ps.ID == st.ProcessID {
			require.Equal(t, "stopped", ps.Status)
		}
	}
	node, ok := h.otSim.Node(st.NodeID)
	require.True(t, ok, "the draft is kept")
	require.Contains(t, node.Description, "withdrawn by 557058:author")
	require.False(t, h.otSim.Finalized(st.NodeID))
	require.Empty(t, h.otSim.RMClassifications(st.NodeID), "nothing declared")
	require.NotContains(t, h.confSim.Labels(p.ID), "in-review")
}

func TestLifecycleRefusesBadInput(t *testing.T) {
	otcsModeSpaces(t)
	ctx := lifecycleCtx(t)

	t.Run("workflow map not startable", func(t *testing.T) {
		p := h.confSim.CreatePage("LCX", "Broken Map Policy", "<p>x</p>", "557058:author", "dept-x")
		st := submit(t, p.ID)
		err := st.Run.Get(ctx, nil)
		require.Equal(t, activities.ErrWorkflowMap, appErrType(err), "got %v", err)
		require.Contains(t, err.Error(), fmt.Sprint(opentextsim.BrokenMapID))
	})

	t.Run("page deleted during review", func(t *testing.T) {
		p := h.confSim.CreatePage("POL", "Deleted Draft Policy", "<p>x</p>", "557058:author", "dept-x")
		started := submit(t, p.ID)
		st := waitStage(t, p.ID, workflows.StageReview, 1)
		require.NoError(t, h.confSim.TrashPage(p.ID))
		require.NoError(t, decide(t, p.ID, true, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: 1}))
		err := started.Run.Get(ctx, nil)
		require.Equal(t, activities.ErrPageNotFound, appErrType(err), "got %v", err)
		_, ok := h.otSim.Node(st.NodeID)
		require.True(t, ok, "the OTCS draft is kept")
		require.False(t, h.otSim.Finalized(st.NodeID))
	})

	t.Run("record on hold blocks until retry", func(t *testing.T) {
		p := h.confSim.CreatePage("POL", "Held Draft Policy", "<p>x</p>", "557058:author", "dept-x")
		started := submit(t, p.ID)
		st := waitStage(t, p.ID, workflows.StageReview, 1)
		require.NoError(t, h.otSim.ApplyHold(st.NodeID, opentextsim.LitigationHoldID))
		require.NoError(t, decide(t, p.ID, true, workflows.ReviewDecision{Reviewer: "reviewer1", PageVersion: 1}))
		blocked := waitStage(t, p.ID, workflows.StageBlocked, 1)
		require.Contains(t, blocked.Blocked, "Litigation Hold 2026-01")
		require.False(t, h.otSim.Finalized(st.NodeID), "nothing overwritten while held")
		require.NoError(t, h.otcs.RemoveHold(ctx, st.NodeID, opentextsim.LitigationHoldID))
		require.NoError(t, h.publisher.Retry(ctx, p.ID, "operator"))
		var res workflows.LifecycleResult
		require.NoError(t, started.Run.Get(ctx, &res))
		require.Equal(t, workflows.StageReturned, res.Stage)
		require.True(t, h.otSim.Finalized(st.NodeID))
	})
}

var commentSpace sync.Once

// TestLifecycleDecisionsByConfluenceComment reviews in space LCC, POL's
// rules with decide_in: confluence: reviewers decide by commenting on the
// page with their own Confluence account; the starter's Update is refused.
func TestLifecycleDecisionsByConfluenceComment(t *testing.T) {
	commentSpace.Do(func() {
		s := h.rules.Spaces["POL"]
		rv := *s.Review
		rv.DecideIn, rv.PollInterval = mapping.DecideInConfluence, time.Second
		rv.Reviewers, rv.Deputies = []string{"557058:reviewer1"}, []string{"557058:deputy1"}
		rv.Target.Folder = []string{"Review", "LCC"}
		s.Key, s.Review = "LCC", &rv
		h.rules.Spaces["LCC"] = s
		h.confSim.CreateSpace("LCC", "Lifecycle by comment")
	})
	comment := func(pageID, body, author string) {
		t.Helper()
		_, err := h.confSim.AddComment(pageID, body, author)
		require.NoError(t, err)
	}
	p := h.confSim.CreatePage("LCC", "Key Policy", "<p>Return keys on Fridays.</p>", "557058:author", "dept-facilities")
	started := submit(t, p.ID)
	st := waitStage(t, p.ID, workflows.StageReview, 1)
	require.Equal(t, mapping.DecideInConfluence, st.DecideIn)

	// An asserted identity is refused, even a reviewer's.
	err := decide(t, p.ID, true, workflows.ReviewDecision{Reviewer: "557058:reviewer1", PageVersion: 1})
	var refused *control.DecisionRefusedError
	require.True(t, errors.As(err, &refused), "got %v", err)
	require.Contains(t, err.Error(), "decisions in space LCC are taken by a comment in Confluence by the reviewer's own account")

	// Someone else's approval, even naming the reviewer, is answered and ignored.
	comment(p.ID, "<p>Approve (on behalf of reviewer1)</p>", "557058:mallory")
	require.Eventually(t, func() bool { return hasComment(p.ID, "557058:mallory) is not one of the space") }, 30*time.Second, 100*time.Millisecond)
	require.Equal(t, workflows.StageReview, waitStage(t, p.ID, workflows.StageReview, 1).Stage)

	comment(p.ID, "<p>Request changes: say where the key box is.</p>", "557058:reviewer1")
	waitStage(t, p.ID, workflows.StageRejected, 1)
	require.True(t, hasComment(p.ID, "Changes requested by 557058:reviewer1 on version 1: say where the key box is."))

	_, err = h.confSim.UpdatePage(p.ID, p.Title, "<p>Return keys to the box at reception on Fridays.</p>", "557058:author")
	require.NoError(t, err)
	submit(t, p.ID)
	// The round-1 rejection comment is older than round 2: it decides nothing.
	waitStage(t, p.ID, workflows.StageReview, 2)
	comment(p.ID, "<p>/approve</p><p>Clear now.</p>", "557058:reviewer1")

	var res workflows.LifecycleResult
	require.NoError(t, started.Run.Get(lifecycleCtx(t), &res))
	require.Len(t, res.Decisions, 2)
	for _, d := range res.Decisions {
		require.Equal(t, "557058:reviewer1", d.By)
		require.Equal(t, "confluence", d.Via)
	}
	require.Equal(t, "Clear now.", res.Decisions[1].Comment)
	checkRecord(t, p.ID, &res, "557058:reviewer1")
	events, actions, updates, _ := historyCost(t, started.WorkflowID)
	require.Zero(t, updates, "no decision arrived as an Update")
	t.Logf("Decisions by Confluence comment, one rejection round: %d history events, %d billable actions", events, actions)
}
