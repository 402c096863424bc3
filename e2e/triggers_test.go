package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/pages"
	"github.com/xecm-bridge/xecm-bridge/activities/records"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/internal/metrics"
	"github.com/xecm-bridge/xecm-bridge/internal/webhook"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// startReceiver runs the real webhook receiver (with its metrics endpoint)
// and subscribes it to the Confluence simulator's signed webhooks.
func startReceiver(t *testing.T) (metricsURL string) {
	t.Helper()
	ms, err := metrics.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ms.Close() })
	c, err := client.NewClientFromExisting(h.temporal, client.Options{MetricsHandler: ms.Handler})
	require.NoError(t, err)
	handler, err := webhook.New(webhook.Config{
		Secret: "hook-secret", MaxBody: 64 << 10, IgnoreActors: []string{"557058:bridge"},
		Rules: h.rules, Router: control.WebhookRouter{Client: &control.Client{Temporal: c}}, Metrics: ms.Handler,
	})
	require.NoError(t, err)
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	h.confSim.SetWebhooksPaused(false)
	h.confSim.RegisterWebhook(srv.URL+"/webhook", "hook-secret", "page_created", "page_updated", "label_added", "label_removed")
	// Later tests drive the simulator directly; stop deliveries to this receiver then.
	t.Cleanup(func() { h.confSim.SetWebhooksPaused(true) })
	return "http://" + ms.Addr + "/metrics"
}

func countRuns(t *testing.T, query string) int {
	t.Helper()
	resp, err := h.temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
	require.NoError(t, err)
	return len(resp.GetExecutions())
}

// firstRun is the id of one closed run the query finds.
func firstRun(t *testing.T, query string) string {
	t.Helper()
	resp, err := h.temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query + " AND ExecutionStatus != 'Running'"})
	require.NoError(t, err)
	require.NotEmpty(t, resp.GetExecutions(), "no closed run for %s", query)
	return resp.GetExecutions()[0].GetExecution().GetWorkflowId()
}

func waitCompleted(t *testing.T, workflowID string) {
	t.Helper()
	require.Eventually(t, func() bool {
		d, err := h.temporal.DescribeWorkflowExecution(context.Background(), workflowID, "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}, 60*time.Second, 100*time.Millisecond, "%s did not complete", workflowID)
}

func TestSignedLabelEventPublishesOnceWhenDeliveredThreeTimes(t *testing.T) {
	metricsURL := startReceiver(t)
	p := h.confSim.CreatePage("POL", "Data Protection Policy", "<p>Personal data is protected.</p>", "557058:hana", "dept-legal")
	// The page_created event is routed before the label is added: routed
	// after it, that event finds the label already there and publishes
	// with the approver unknown (its actor is the author), which is right
	// but is not what this test is about.
	h.confSim.FlushWebhooks()
	require.Eventually(t, func() bool {
		return countRuns(t, "WorkflowType = 'RouteEvent' AND BridgePageId = '"+p.ID+"' AND ExecutionStatus != 'Running'") == 1
	}, 10*time.Second, 100*time.Millisecond, "the page_created event was routed")
	require.NoError(t, h.confSim.AddLabel(p.ID, "approved"))
	h.confSim.FlushWebhooks()
	var labelDelivery string
	for _, d := range h.confSim.Deliveries() {
		if d.Event == "label_added" && strings.Contains(string(d.Body), p.ID) {
			labelDelivery = d.ID
			require.Equal(t, http.StatusAccepted, d.StatusCode, "receiver accepted the signed event: %s", d.Error)
		}
	}
	require.NotEmpty(t, labelDelivery)
	require.NoError(t, h.confSim.Redeliver(labelDelivery))
	require.NoError(t, h.confSim.Redeliver(labelDelivery))

	publishID := workflows.PublishPageWorkflowID(p.ID, 1)
	waitCompleted(t, publishID)
	h.confSim.FlushWebhooks()
	require.Len(t, recordsOf(t, policiesFolder(t), p.ID), 1)
	nodes := recordsOf(t, policiesFolder(t), p.ID)
	require.Len(t, h.otSim.Versions(nodes[0].ID), 1)
	require.Equal(t, nodes[0].ID, recordLink(t, p.ID).NodeID)
	// The approver is the account that added the label (the signed event's
	// actor), never the page's author.
	vals, _ := h.otSim.CategoryValues(nodes[0].ID, 9001)
	require.Equal(t, "557058:admin", vals["9001_10"], "Approved By")
	require.NotEqual(t, "557058:hana", vals["9001_10"])

	// An edit after approval is not published: the bridge removes the
	// label and asks, once, for version 2 to be approved.
	_, err := h.confSim.UpdatePage(p.ID, p.Title, "<p>Personal data is protected, mostly.</p>", "557058:hana")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		for _, c := range h.confSim.Comments(p.ID) {
			if strings.Contains(c.Body, "approve version 2 again to publish") {
				return !slices.Contains(h.confSim.Labels(p.ID), "approved")
			}
		}
		return false
	}, 30*time.Second, 100*time.Millisecond, "edit after approval: label removed and comment posted")
	h.confSim.FlushWebhooks()
	require.Len(t, h.otSim.Versions(nodes[0].ID), 1, "version 2 was not published")
	require.Equal(t, 0, countRuns(t, "WorkflowId = '"+workflows.PublishPageWorkflowID(p.ID, 2)+"'"))

	// One route run per distinct delivery (page_created, label_added,
	// page_updated), the two redeliveries found the first one's run.
	require.Eventually(t, func() bool {
		return countRuns(t, "WorkflowType = 'RouteEvent' AND BridgePageId = '"+p.ID+"'") == 3
	}, 10*time.Second, 200*time.Millisecond)
	require.Equal(t, 1, countRuns(t, "WorkflowType = 'PublishPage' AND BridgePageId = '"+p.ID+"'"))
	recordHistory(t, firstRun(t, "WorkflowType = 'RouteEvent' AND BridgePageId = '"+p.ID+"'"), "route_event.json")
	// The bridge's own label write came back as an event and was ignored.
	ownLabelIgnored := false
	for _, d := range h.confSim.Deliveries() {
		if d.Event == "label_added" && strings.Contains(string(d.Body), "otcs-published") && strings.Contains(string(d.Body), p.ID) {
			ownLabelIgnored = d.StatusCode == http.StatusOK
		}
	}
	require.True(t, ownLabelIgnored, "the bridge's own label event is answered 200 ignored")

	// The scope reports to Prometheus once a second.
	var text string
	require.Eventually(t, func() bool {
		resp, err := http.Get(metricsURL)
		if err != nil {
			return false
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		text = string(body)
		return strings.Contains(text, `xecm_bridge_webhook_events_total{outcome="accepted",reason="ok"} 5`)
	}, 10*time.Second, 200*time.Millisecond, "5 accepted deliveries (page_created, label_added and its 2 redeliveries, page_updated) counted")
	require.Contains(t, text, `xecm_bridge_webhook_events_total{outcome="ignored",reason="own_edit"}`)
	require.Contains(t, text, `temporal_request_total{`, "SDK client metrics are served too")
}

func TestReconciliationPublishesWhatWebhooksMissed(t *testing.T) {
	h.confSim.SetWebhooksPaused(true) // the receiver is down: nothing is delivered
	first := h.confSim.CreatePage("POL", "Procurement Policy", "<p>Three quotes.</p>", "557058:ivan", "approved", "dept-finance")
	ctx := context.Background()
	require.NoError(t, control.EnsureReconcileSchedule(ctx, h.temporal, time.Hour, workflows.ReconcileInput{Lookback: time.Hour}, true))
	handle := h.temporal.ScheduleClient().GetHandle(ctx, workflows.ReconcileScheduleID)
	t.Cleanup(func() { _ = handle.Delete(context.Background()) })
	require.NoError(t, handle.Trigger(ctx, client.ScheduleTriggerOptions{}))
	waitCompleted(t, workflows.PublishPageWorkflowID(first.ID, 1))
	require.Len(t, recordsOf(t, policiesFolder(t), first.ID), 1)

	// The next run continues from the first run's cursor and finds only
	// what changed since; the first page's publish is not repeated.
	require.Eventually(t, func() bool {
		d, err := handle.Describe(ctx)
		return err == nil && len(d.Info.RecentActions) == 1 && runDone(t, d.Info.RecentActions[0].StartWorkflowResult.WorkflowID)
	}, 30*time.Second, 200*time.Millisecond)
	notes := h.confSim.CreatePage("POL", "Q4 decision log", "<p>Decided: go.</p>", "557058:ivan", "dept-ops")
	require.NoError(t, handle.Trigger(ctx, client.ScheduleTriggerOptions{}))
	waitCompleted(t, workflows.FileRecordWorkflowID(notes.ID, 1))
	require.Equal(t, 1, countRuns(t, "WorkflowId = '"+workflows.PublishPageWorkflowID(first.ID, 1)+"'"))
	node, ok := h.otSim.Node(recordLink(t, notes.ID).NodeID)
	require.True(t, ok)
	vals, _ := h.otSim.CategoryValues(node.ID, 9001)
	require.Equal(t, "Decision Log", vals["9001_4"])
}

func runDone(t *testing.T, workflowID string) bool {
	d, err := h.temporal.DescribeWorkflowExecution(context.Background(), workflowID, "")
	return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
}

func TestDryRunWritesNothing(t *testing.T) {
	p := h.confSim.CreatePage("POL", "Gifts and Hospitality Policy", "<p>Declare gifts.</p>", "557058:jo", "approved", "dept-legal")
	h.confSim.AddAttachment(p.ID, "register.csv", "text/csv", []byte("gift,value\n"))
	saveVersion(t, p.ID) // the record of a version holds the files attached before it
	ctx := context.Background()
	ca := &pages.ConfluenceActivities{Confluence: h.conf, Rules: h.rules}
	oa := &records.OpenTextActivities{OTCS: h.otcs, Confluence: h.conf, Rules: h.rules}
	before := len(h.otSim.Children(policiesFolder(t)))
	page, err := ca.ReadPage(ctx, activities.ReadPageInput{PageID: p.ID})
	require.NoError(t, err)
	plan, err := records.PlanWrites(ctx, oa, page)
	require.NoError(t, err)
	all := strings.Join(plan.Writes, "\n")
	require.Contains(t, all, `create document "Gifts and Hospitality Policy"`)
	require.Contains(t, all, "1 attachment(s)")
	require.Contains(t, all, "(MHTML rendition of page")
	require.Contains(t, all, "9001_3=legal")
	require.Contains(t, all, "apply RM classification 7001")
	require.Contains(t, all, `add label "otcs-published"`)
	require.Equal(t, before, len(h.otSim.Children(policiesFolder(t))), "no node created")
	_, _, hasProp := h.confSim.Property(p.ID, activities.RecordPropertyKey)
	require.False(t, hasProp, "no property written")
	require.NotContains(t, h.confSim.Labels(p.ID), "otcs-published")

	// After a real publish, a dry run of the same version says there is nothing to store.
	_, err = publish(t, p.ID, 0)
	require.NoError(t, err)
	plan, err = records.PlanWrites(ctx, oa, page)
	require.NoError(t, err)
	require.Contains(t, strings.Join(plan.Writes, "\n"), "is already node")
}

func TestShippedMappingMatchesTheSimulatorCategories(t *testing.T) {
	err := h.rules.CheckCategories(context.Background(), activities.CategorySource{OTCS: h.otcs, NodeID: h.rules.Root})
	require.NoError(t, err)
}

func TestSubmitLabelStartsTheDocumentLifecycle(t *testing.T) {
	startReceiver(t)
	p := h.confSim.CreatePage("POL", "Anti-Bribery Policy", "<p>No bribes.</p>", "557058:kim", "dept-legal")
	require.NoError(t, h.confSim.AddLabel(p.ID, "in-review")) // the author submits by label
	h.confSim.FlushWebhooks()
	ctx := context.Background()
	var stage workflows.Stage
	require.Eventually(t, func() bool {
		st, err := h.publisher.LifecycleStatus(ctx, p.ID)
		if err != nil {
			return false
		}
		stage = st.Stage
		return stage == workflows.StageReview
	}, 30*time.Second, 100*time.Millisecond, "lifecycle:%s reaches Review (last stage %q)", p.ID, stage)
	require.NoError(t, h.publisher.Withdraw(ctx, p.ID, "557058:kim", "test over"))
	waitCompleted(t, workflows.LifecycleWorkflowID(p.ID))
}
