package triggers

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
)

// startedFlows records what routing started, in place of Temporal.
type startedFlows struct {
	mu    sync.Mutex
	flows []string
}

func (s *startedFlows) StartFlow(_ context.Context, flow activities.Flow, pageID string, version int, _ string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := string(flow) + ":" + pageID + ":v" + strconv.Itoa(version)
	s.flows = append(s.flows, id)
	return id, false, nil
}

func (w *world) trigger(rulesYAML string) (*TriggerActivities, *startedFlows) {
	started := &startedFlows{}
	return &TriggerActivities{Confluence: w.Pages.Confluence, Rules: w.Pages.Rules, Starter: started}, started
}

func labelEvent(pageID, actor string, at time.Time) activities.RouteInput {
	return activities.RouteInput{PageID: pageID, Cause: "webhook label_added by " + actor, Event: "label_added", Actor: actor, Label: "approved", EventAt: at}
}

func TestLabelAddedByKnownAccountIsTheApprovalOfThatVersion(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	trig, started := w.trigger(activitytest.BaseRules)
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Travel policy", "<p>v1</p>", "557058:editor", "dept-legal")
	if err := w.ConfSim.AddLabel(page.ID, "approved"); err != nil {
		t.Fatal(err)
	}
	res, err := trig.RoutePage(ctx, labelEvent(page.ID, "557058:alice", time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Flow != activities.FlowPublish || len(started.flows) != 1 {
		t.Fatalf("route %+v, started %v", res, started.flows)
	}
	snap := w.ReadAs(t, page.ID, 1, activities.PurposePublish)
	if snap.ApprovedBy != "557058:alice" || !strings.Contains(snap.ApprovalSignal, "added by 557058:alice") {
		t.Fatalf("the approver is who added the label, never the editor: %+v", snap)
	}
	// A redelivered event records nothing new.
	if _, err := trig.RoutePage(ctx, labelEvent(page.ID, "557058:alice", time.Time{})); err != nil {
		t.Fatal(err)
	}
	log, err := activities.ReadApprovals(ctx, w.Pages.Confluence, page.ID)
	if err != nil || len(log.Approvals) != 1 {
		t.Fatalf("approvals %+v %v", log, err)
	}
}

func TestLabelEventNamesTheVersionCurrentWhenTheLabelWasAdded(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	trig, _ := w.trigger(activitytest.BaseRules)
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Expense policy", "<p>v1</p>", "557058:editor", "dept-legal", "approved")
	labelledAt := time.Now().UTC()
	time.Sleep(5 * time.Millisecond)
	if _, err := w.ConfSim.UpdatePage(page.ID, page.Title, "<p>v2, edited after the label</p>", "557058:editor"); err != nil {
		t.Fatal(err)
	}
	res, err := trig.RoutePage(ctx, labelEvent(page.ID, "557058:alice", labelledAt))
	if err != nil || res.Flow != activities.FlowNone || !strings.Contains(res.Reason, string(activities.TypeEditedAfterApproval)) {
		t.Fatalf("version 2 is an edit after the approval of version 1: %+v %v", res, err)
	}
	log, _ := activities.ReadApprovals(ctx, w.Pages.Confluence, page.ID)
	if ap := log.ForVersion(1); ap == nil || ap.By != "557058:alice" {
		t.Fatalf("the label was added to version 1: %+v", log)
	}
	if snap := w.ReadAs(t, page.ID, 1, activities.PurposePublish); snap.ApprovedBy != "557058:alice" {
		t.Fatalf("version 1 is approved by alice: %+v", snap)
	}
	if _, err := w.Pages.ReadPage(ctx, activities.ReadPageInput{PageID: page.ID, Version: 2}); activitytest.ErrType(err) != activities.TypeNotApproved {
		t.Fatalf("version 2 is not approved (and its label was reset): %s %v", activitytest.ErrType(err), err)
	}
}

func TestEditAfterApprovalResetsTheLabelAndAsksOnce(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	trig, started := w.trigger(activitytest.BaseRules)
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Leave policy", "<p>v1</p>", "557058:editor", "dept-legal")
	if err := w.ConfSim.AddLabel(page.ID, "approved"); err != nil {
		t.Fatal(err)
	}
	if _, err := trig.RoutePage(ctx, labelEvent(page.ID, "557058:alice", time.Time{})); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ConfSim.UpdatePage(page.ID, page.Title, "<p>v2</p>", "557058:editor"); err != nil {
		t.Fatal(err)
	}
	// A crash after the comment: the label is still there when routing runs again.
	for i := 0; i < 2; i++ {
		res, err := trig.RoutePage(ctx, activities.RouteInput{PageID: page.ID, Cause: "webhook page_updated by 557058:editor", Event: "page_updated", Actor: "557058:editor"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Flow != activities.FlowNone || !strings.Contains(res.Reason, string(activities.TypeEditedAfterApproval)) {
			t.Fatalf("an edit after approval starts nothing: %+v", res)
		}
		if i == 0 {
			if err := w.ConfSim.AddLabel(page.ID, "approved"); err != nil { // as if the removal never happened
				t.Fatal(err)
			}
		}
	}
	if len(started.flows) != 1 {
		t.Fatalf("only the approved version 1 may start a publish: %v", started.flows)
	}
	for _, l := range w.ConfSim.Labels(page.ID) {
		if l == "approved" {
			t.Fatal("on_edit reset removes the approval label")
		}
	}
	n := 0
	for _, c := range w.ConfSim.Comments(page.ID) {
		if strings.Contains(c.Body, "approve version 2 again to publish") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("want exactly one 'approve again' comment, got %d", n)
	}
	if _, err := w.Pages.ReadPage(ctx, activities.ReadPageInput{PageID: page.ID, Version: 1}); err != nil {
		t.Fatalf("version 1 stays approved: %v", err)
	}
}

func TestLabelWithoutApprovalRecord(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	snap := w.read(t, "100001") // seeded with the label; nobody recorded who added it
	if snap.ApprovedBy != activities.UnknownApprover {
		t.Fatalf("an unknown approver is recorded as such, never as the editor: %q", snap.ApprovedBy)
	}
	strict := newWorld(t, strings.Replace(activitytest.BaseRules, "approval: {label: approved}", "approval: {label: approved, require_known_approver: true}", 1))
	_, err := strict.Pages.ReadPage(context.Background(), activities.ReadPageInput{PageID: "100001"})
	if activitytest.ErrType(err) != activities.TypeUnknownApprover || !strings.Contains(err.Error(), "approve-publish") {
		t.Fatalf("got %s: %v", activitytest.ErrType(err), err)
	}
}

func TestOperatorApprovalOfOneVersion(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Gift policy", "<p>v1</p>", "557058:editor", "dept-legal")
	if _, err := w.Pages.ReadPage(ctx, activities.ReadPageInput{PageID: page.ID, Version: 1}); activitytest.ErrType(err) != activities.TypeNotApproved {
		t.Fatalf("no signal, no approval: %v", err)
	}
	err := activities.RecordApproval(ctx, w.Pages.Confluence, page.ID, activities.Approval{PageVersion: 1, By: "557058:cfo", At: time.Now().UTC(), Source: activities.ApprovalByOperator, Signal: "approved by 557058:cfo", Meaning: "m"})
	if err != nil {
		t.Fatal(err)
	}
	snap := w.ReadAs(t, page.ID, 1, activities.PurposePublish)
	if snap.ApprovedBy != "557058:cfo" {
		t.Fatalf("%+v", snap)
	}
}

const stateRules = `otcs:
  root: 2000
spaces:
  POL:
    approval: {state: Approved}
    folder: Controlled Documents/Policies
    category:
      id: 9001
      attributes:
        Source Page ID: {from: page.id}
        Department: {label: "dept-"}
`

func TestContentStateApprovalNamesWhoSetIt(t *testing.T) {
	w := newWorld(t, stateRules)
	trig, started := w.trigger(stateRules)
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Security policy", "<p>body</p>", "557058:editor", "dept-it")
	time.Sleep(3 * time.Millisecond) // Confluence dates versions and states to the millisecond
	v, err := w.ConfSim.SetContentState(page.ID, "Approved", "#57d9a3", "557058:ciso")
	if err != nil {
		t.Fatal(err)
	}
	res, err := trig.RoutePage(ctx, activities.RouteInput{PageID: page.ID, Event: "page_updated", Actor: "557058:ciso"})
	if err != nil || res.Flow != activities.FlowPublish || res.Version != v {
		t.Fatalf("route %+v %v", res, err)
	}
	snap := w.ReadAs(t, page.ID, v, activities.PurposePublish)
	if snap.ApprovedBy != "557058:ciso" || snap.Version != v {
		t.Fatalf("the approver is the author of the state's version: %+v", snap)
	}
	// A save without changes keeps the state and the body: its author is
	// not the approver, and the version is not approved.
	time.Sleep(3 * time.Millisecond)
	noop, err := w.ConfSim.UpdatePage(page.ID, page.Title, "<p>body</p>", "557058:editor")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Pages.ReadPage(ctx, activities.ReadPageInput{PageID: page.ID, Version: noop.Version}); activitytest.ErrType(err) != activities.TypeEditedAfterApproval {
		t.Fatalf("a save after the state was set is not approved: %s %v", activitytest.ErrType(err), err)
	}
	// An edit keeps the state but is not approved; reset removes the state.
	if _, err := w.ConfSim.UpdatePage(page.ID, page.Title, "<p>changed</p>", "557058:editor"); err != nil {
		t.Fatal(err)
	}
	res, err = trig.RoutePage(ctx, activities.RouteInput{PageID: page.ID, Event: "page_updated", Actor: "557058:editor"})
	if err != nil || res.Flow != activities.FlowNone || !strings.Contains(res.Reason, string(activities.TypeEditedAfterApproval)) {
		t.Fatalf("route %+v %v", res, err)
	}
	if len(started.flows) != 1 {
		t.Fatalf("started %v", started.flows)
	}
	st, err := w.Pages.Confluence.ContentState(ctx, page.ID)
	if err != nil || st != nil {
		t.Fatalf("reset removes the approval state: %+v %v", st, err)
	}
}

func TestOperatorApprovalInTheRunIsRecordedOnceThenChecked(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Whistleblowing policy", "<p>v1</p>", "557058:editor", "dept-legal")
	ap := &activities.Approval{PageVersion: 1, By: "557058:cfo", At: time.Now().UTC(), Source: activities.ApprovalByOperator, Signal: "approved by 557058:cfo"}
	// The activity runs twice, as a retry after a crash would.
	for i := 0; i < 2; i++ {
		snap, err := w.Pages.ReadPage(ctx, activities.ReadPageInput{PageID: page.ID, Version: 1, Approval: ap})
		if err != nil {
			t.Fatal(err)
		}
		if snap.ApprovedBy != "557058:cfo" {
			t.Fatalf("%+v", snap)
		}
	}
	log, err := activities.ReadApprovals(ctx, w.Pages.Confluence, page.ID)
	if err != nil || len(log.Approvals) != 1 || log.Approvals[0].Meaning != "Approved for publication as a controlled record" {
		t.Fatalf("one approval, with the space's meaning: %+v %v", log, err)
	}
	other := *ap
	other.PageVersion = 2
	if _, err := w.Pages.ReadPage(ctx, activities.ReadPageInput{PageID: page.ID, Version: 1, Approval: &other}); activitytest.ErrType(err) != activities.TypeInvalidInput {
		t.Fatalf("an approval of another version: %s %v", activitytest.ErrType(err), err)
	}
}

// The author of a version may not approve it (unless the space allows
// it): the label added by the page's own writer is refused, the same
// label added by someone else publishes.
func TestSelfApprovalIsRefusedByDefault(t *testing.T) {
	w := newWorld(t, activitytest.BaseRules)
	trig, started := w.trigger(activitytest.BaseRules)
	ctx := context.Background()
	page := w.ConfSim.CreatePage("POL", "Gifts policy", "<p>v1</p>", "557058:editor", "dept-legal", "approved")
	res, err := trig.RoutePage(ctx, labelEvent(page.ID, "557058:editor", time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Flow == activities.FlowPublish || len(started.flows) != 0 || !strings.Contains(res.Reason, string(activities.TypeSelfApproval)) {
		t.Fatalf("a self-approval was routed: %+v %v", res, started.flows)
	}
	if _, err := w.Pages.ReadPage(ctx, activities.ReadPageInput{PageID: page.ID, Purpose: activities.PurposePublish}); activitytest.ErrType(err) != activities.TypeSelfApproval || !strings.Contains(err.Error(), "self_approval: allow") {
		t.Fatalf("ReadPage: %v, want %s saying how to allow it", err, activities.TypeSelfApproval)
	}
	allowed := strings.Replace(activitytest.BaseRules, "approval: {label: approved}", "approval: {label: approved, self_approval: allow}", 1)
	w2 := newWorld(t, allowed)
	page2 := w2.ConfSim.CreatePage("POL", "Gifts policy", "<p>v1</p>", "557058:editor", "dept-legal", "approved")
	if err := activities.RecordApproval(ctx, w2.Pages.Confluence, page2.ID, activities.Approval{PageVersion: 1, By: "557058:editor", Source: activities.ApprovalByOperator}); err != nil {
		t.Fatal(err)
	}
	if _, err := w2.Pages.ReadPage(ctx, activities.ReadPageInput{PageID: page2.ID, Purpose: activities.PurposePublish}); err != nil {
		t.Fatalf("with self_approval: allow: %v", err)
	}
}

// A space's approvers group: lena (in legal) may approve, alice may not.
func TestApproversGroupDecidesWhoMayApprove(t *testing.T) {
	rules := strings.Replace(activitytest.BaseRules, "approval: {label: approved}", "approval: {label: approved, approvers: legal}", 1)
	w := newWorld(t, rules)
	ctx := context.Background()
	for _, tc := range []struct {
		approver string
		want     activities.ErrorType
	}{{"557058:alice", activities.TypeNotAnApprover}, {"557058:lena", ""}} {
		page := w.ConfSim.CreatePage("POL", "Policy approved by "+tc.approver, "<p>v1</p>", "557058:editor", "dept-legal", "approved")
		if err := activities.RecordApproval(ctx, w.Pages.Confluence, page.ID, activities.Approval{PageVersion: 1, By: tc.approver, Source: activities.ApprovalByOperator}); err != nil {
			t.Fatal(err)
		}
		_, err := w.Pages.ReadPage(ctx, activities.ReadPageInput{PageID: page.ID, Purpose: activities.PurposePublish})
		if got := activitytest.ErrType(err); got != tc.want && !(tc.want == "" && err == nil) {
			t.Errorf("approved by %s: %v, want %q", tc.approver, err, tc.want)
		}
	}
}
