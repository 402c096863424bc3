package control_test

import (
	"slices"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// TestRouteStartsOneRunPerDelivery: a redelivered webhook event (same
// delivery key) finds the first delivery's run, whether it is still
// running, has finished or has failed; another delivery is its own run.
func TestRouteStartsOneRunPerDelivery(t *testing.T) {
	ctx := testCtx(t)
	page := newPage(t, 1)
	ev := workflows.RouteEventInput{PageID: page, Event: "label_added", Actor: "557058:ann", DeliveryID: "d1", Label: "approved"}
	id := workflows.RouteEventWorkflowID(page, "d1")
	first, err := ctl.Route(ctx, ev)
	wantStarted(t, first, err, id, "", false)
	var in workflows.RouteEventInput
	query(t, id, first.RunID, inputQuery, &in)
	if in != ev {
		t.Errorf("the run's input is %+v, want %+v", in, ev)
	}

	running, err := ctl.Route(ctx, ev)
	wantStarted(t, running, err, id, first.RunID, true)
	finish(t, id, first.RunID, "complete")
	done, err := ctl.Route(ctx, ev)
	wantStarted(t, done, err, id, first.RunID, true)

	other := ev
	other.DeliveryID = "d2"
	second, err := ctl.Route(ctx, other)
	wantStarted(t, second, err, workflows.RouteEventWorkflowID(page, "d2"), "", false)
	finish(t, second.WorkflowID, second.RunID, "fail")
	failed, err := ctl.Route(ctx, other)
	wantStarted(t, failed, err, second.WorkflowID, second.RunID, true)
}

// TestReferencesIsOneRunPerPageVersionAndRequest: references of a page
// version are one run while it runs and once it has succeeded; a failed
// one may be started again; documents an operator adds make a request of
// their own, with the documents in the input.
func TestReferencesIsOneRunPerPageVersionAndRequest(t *testing.T) {
	ctx := testCtx(t)
	page := newPage(t, 2)
	id := workflows.SyncReferencesWorkflowID(page, 2)
	first, err := ctl.References(ctx, page, 0, nil, "ops")
	wantStarted(t, first, err, id, "", false)
	if first.Version != 2 {
		t.Errorf("version %d, want the current 2", first.Version)
	}
	running, err := ctl.References(ctx, page, 2, nil, "webhook")
	wantStarted(t, running, err, id, first.RunID, true)
	finish(t, id, first.RunID, "complete")
	done, err := ctl.References(ctx, page, 2, nil, "webhook")
	wantStarted(t, done, err, id, first.RunID, true)

	added, err := ctl.References(ctx, page, 2, []int64{7, 19}, "ops")
	addID := id + ":add-7-19"
	wantStarted(t, added, err, addID, "", false)
	var in workflows.SyncReferencesInput
	query(t, addID, added.RunID, inputQuery, &in)
	if in.PageID != page || in.Version != 2 || !slices.Equal(in.Add, []int64{7, 19}) {
		t.Errorf("input %+v", in)
	}
	finish(t, addID, added.RunID, "fail")
	retried, err := ctl.References(ctx, page, 2, []int64{7, 19}, "ops")
	wantStarted(t, retried, err, addID, "", false)
	if retried.RunID == added.RunID {
		t.Error("a failed references run was found instead of started again")
	}
	terminate(t, addID)
}

// TestRefreshDocumentPageCoversChangesWhileItRuns: a change while the
// page's refresh runs finds that run (its own read covers the change); a
// change after it finished starts a new run.
func TestRefreshDocumentPageCoversChangesWhileItRuns(t *testing.T) {
	ctx := testCtx(t)
	page := newPage(t, 1)
	id := workflows.RefreshDocumentPageWorkflowID(page)
	first, err := ctl.RefreshDocumentPage(ctx, page, "sync")
	wantStarted(t, first, err, id, "", false)
	running, err := ctl.RefreshDocumentPage(ctx, page, "webhook")
	wantStarted(t, running, err, id, first.RunID, true)
	finish(t, id, first.RunID, "complete")
	next, err := ctl.RefreshDocumentPage(ctx, page, "webhook")
	wantStarted(t, next, err, id, "", false)
	if next.RunID == first.RunID {
		t.Error("a change after the refresh finished found the finished run")
	}
	terminate(t, id)
}

// TestSecureRecordsSignalsTheOneRun (signal-with-start): the first access
// change starts the page's run with the signal; a change while it runs is
// one more signal to the same run, reported as existing; after it
// finished a change starts a new run.
func TestSecureRecordsSignalsTheOneRun(t *testing.T) {
	ctx := testCtx(t)
	page := newPage(t, 1)
	id := workflows.SecureRecordsWorkflowID(page)
	first, err := ctl.SecureRecords(ctx, page, "webhook")
	wantStarted(t, first, err, id, "", false)
	var in activities.SecureRecordsInput
	query(t, id, first.RunID, inputQuery, &in)
	if in.PageID != page || in.RequestedBy != "webhook" {
		t.Errorf("input %+v", in)
	}

	again, err := ctl.SecureRecords(ctx, page, "reconcile")
	wantStarted(t, again, err, id, first.RunID, true)
	var signals []string
	query(t, id, first.RunID, signalsQuery, &signals)
	want := []string{workflows.AccessChangedSignal + ` "webhook"`, workflows.AccessChangedSignal + ` "reconcile"`}
	if !slices.Equal(signals, want) {
		t.Errorf("the run received %q, want %q", signals, want)
	}

	finish(t, id, first.RunID, "complete")
	next, err := ctl.SecureRecords(ctx, page, "webhook")
	wantStarted(t, next, err, id, "", false)
	if next.RunID == first.RunID {
		t.Error("a change after the run finished found the finished run")
	}
	terminate(t, id)
}

// TestSyncNowStartsOneSweepAtATime: an on-demand sweep of a feed (or the
// permission sweep) while one runs finds it; each feed has its own id
// and input; once finished, another request starts a new sweep.
func TestSyncNowStartsOneSweepAtATime(t *testing.T) {
	ctx := testCtx(t)
	for _, feed := range []control.Feed{control.DocumentsFeed, control.TemplatesFeed} {
		first, err := ctl.SyncNow(ctx, feed, "ops")
		wantStarted(t, first, err, feed.NowID, "", false)
		var in workflows.SyncDocumentsInput
		query(t, feed.NowID, first.RunID, inputQuery, &in)
		if !in.Full {
			t.Errorf("%s: an on-demand run is not a full sweep: %+v", feed.Name, in)
		}
		running, err := ctl.SyncNow(ctx, feed, "ops")
		wantStarted(t, running, err, feed.NowID, first.RunID, true)
		finish(t, feed.NowID, first.RunID, "complete")
		next, err := ctl.SyncNow(ctx, feed, "ops")
		wantStarted(t, next, err, feed.NowID, "", false)
		if next.RunID == first.RunID {
			t.Errorf("%s: a request after the sweep finished found it", feed.Name)
		}
		finish(t, feed.NowID, next.RunID, "complete")
	}

	id := workflows.SyncPermissionsWorkflowID
	first, err := ctl.SyncPermissionsNow(ctx, "ops")
	wantStarted(t, first, err, id, "", false)
	running, err := ctl.SyncPermissionsNow(ctx, "ops")
	wantStarted(t, running, err, id, first.RunID, true)
	finish(t, id, first.RunID, "complete")
	next, err := ctl.SyncPermissionsNow(ctx, "ops")
	wantStarted(t, next, err, id, "", false)
	if next.RunID == first.RunID {
		t.Error("permissions: a request after the sweep finished found it")
	}
	terminate(t, id)
}
