package control_test

import (
	"context"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// TestInvalidRequestsAreRefusedBeforeAnyCall: what cannot go into a
// workflow id, or is not a request at all, is refused with the message an
// operator reads before Confluence or Temporal is called: the client here
// has neither, so any call would panic.
func TestInvalidRequestsAreRefusedBeforeAnyCall(t *testing.T) {
	ctx := context.Background()
	none := &control.Client{}
	badPage := func(id string) string {
		return `page id "` + id + `" is not a Confluence content id (1 to 19 digits): nothing was started`
	}
	started := func(_ *control.Started, err error) error { return err }
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"publish, not digits", started(none.Publish(ctx, "12a", 1, "ops")), badPage("12a")},
		{"publish, leading zero", started(none.Publish(ctx, "0123", 0, "ops")), badPage("0123")},
		{"file, empty", started(none.File(ctx, "", 1, "ops")), badPage("")},
		{"file, too long", started(none.File(ctx, "12345678901234567890", 1, "ops")), badPage("12345678901234567890")},
		{"submit", started(none.Submit(ctx, "1:v2", 0, "ops")), badPage("1:v2")},
		{"references", started(none.References(ctx, "x", 0, nil, "ops")), badPage("x")},
		{"refresh", started(none.RefreshDocumentPage(ctx, "-1", "ops")), badPage("-1")},
		{"secure records", started(none.SecureRecords(ctx, "1 2", "ops")), badPage("1 2")},
		{"route", started(none.Route(ctx, workflows.RouteEventInput{PageID: "../1", DeliveryID: "d"})), badPage("../1")},
		{"approve-publish, page", started(none.ApprovePublish(ctx, control.ApprovalRequest{PageID: "a", Version: 1, Approver: "ann"})), badPage("a")},
		{"approve-publish, no version", started(none.ApprovePublish(ctx, control.ApprovalRequest{PageID: "1", Approver: "ann"})),
			"an approval is of one page version: give --version N"},
		{"approve-publish, blank approver", started(none.ApprovePublish(ctx, control.ApprovalRequest{PageID: "1", Version: 2, Approver: "  "})),
			"name the approver with --as USER: the record says who approved"},
		{"backfill, space key", started(none.Backfill(ctx, control.BackfillRequest{SpaceKey: "A B"})),
			`space key "A B" is not a Confluence space key: nothing was started`},
		{"backfill, no space", started(none.Backfill(ctx, control.BackfillRequest{})),
			`space key "" is not a Confluence space key: nothing was started`},
		{"start flow", func() error { _, _, err := none.StartFlow(ctx, "publish", "p1", 1, "ops"); return err }(), badPage("p1")},
		{"feed schedule", control.EnsureFeedSchedule(ctx, nil, control.TemplatesFeed, 30*time.Second, 0, false),
			"templates sync interval 30s is below one minute"},
		{"permissions schedule", control.EnsurePermissionsSchedule(ctx, nil, 59*time.Second, false),
			"permission sweep interval 59s is below one minute"},
		{"reconcile schedule", control.EnsureReconcileSchedule(ctx, nil, 0, workflows.ReconcileInput{Lookback: time.Hour}, false),
			"reconciliation interval 0s is below one minute"},
	} {
		if c.err == nil || c.err.Error() != c.want {
			t.Errorf("%s: %v, want %q", c.name, c.err, c.want)
		}
	}
}
