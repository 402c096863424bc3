package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	"github.com/xecm-bridge/xecm-bridge/simulators/faults"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

func publish(t *testing.T, pageID string, version int) (*workflows.PublishPageResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, err := h.publisher.Publish(ctx, pageID, version, "e2e test")
	require.NoError(t, err)
	var res workflows.PublishPageResult
	err = st.Run.Get(ctx, &res)
	return &res, err
}

func policiesFolder(t *testing.T) int64 {
	t.Helper()
	n, ok := h.otSim.FindPath(opentextsim.EnterpriseWorkspaceID, "Controlled Documents", "Policies")
	require.True(t, ok, "target folder exists")
	return n.ID
}

// recordsOf returns the OTCS documents whose identity attribute holds pageID.
func recordsOf(t *testing.T, folderID int64, pageID string) []opentextsim.Node {
	t.Helper()
	var out []opentextsim.Node
	for _, n := range h.otSim.Children(folderID) {
		vals, ok := h.otSim.CategoryValues(n.ID, 9001)
		if ok && fmt.Sprint(vals["9001_8"]) == pageID {
			out = append(out, n)
		}
	}
	return out
}

func recordLink(t *testing.T, pageID string) activities.RecordLink {
	t.Helper()
	raw, _, ok := h.confSim.Property(pageID, activities.RecordPropertyKey)
	require.True(t, ok, "record property written on page %s", pageID)
	var link activities.RecordLink
	require.NoError(t, json.Unmarshal(raw, &link))
	return link
}

func appErrType(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Type()
	}
	return ""
}

func TestPublishTwoVersionsMakesOneNodeWithTwoVersions(t *testing.T) {
	res1, err := publish(t, "100001", 0)
	require.NoError(t, err)
	require.True(t, res1.Created)
	require.Equal(t, 1, res1.PageVersion)
	require.Equal(t, 1, res1.OTCSVersion)

	folder := policiesFolder(t)
	nodes := recordsOf(t, folder, "100001")
	require.Len(t, nodes, 1)
	require.Equal(t, "Records Retention Policy", nodes[0].Name)
	require.Equal(t, res1.NodeID, nodes[0].ID)
	versions := h.otSim.Versions(res1.NodeID)
	require.Len(t, versions, 1)
	require.Equal(t, res1.SHA256, versions[0].SHA256, "checksum computed while streaming matches what OTCS stored")
	require.Equal(t, res1.Size, versions[0].Size)
	require.Contains(t, versions[0].Description, "confluence:100001:v1")

	vals, ok := h.otSim.CategoryValues(res1.NodeID, 9001)
	require.True(t, ok)
	require.Equal(t, "100001", fmt.Sprint(vals["9001_8"]))
	require.Equal(t, "1", fmt.Sprint(vals["9001_9"]))
	require.Equal(t, "legal", vals["9001_3"])
	require.Equal(t, "policy", vals["9001_4"])
	require.Equal(t, "Records Programme", vals["9001_2"])
	require.Equal(t, "Approved", vals["9001_6"])
	require.Equal(t, "Policies - 7 years", vals["9001_7"])
	require.Equal(t, res1.SHA256, vals["9001_12"])
	rm := h.otSim.RMClassifications(res1.NodeID)
	require.Len(t, rm, 1)
	require.Equal(t, int64(7001), rm[0].ClassID)
	require.True(t, rm[0].Official)

	link := recordLink(t, "100001")
	require.Equal(t, res1.NodeID, link.NodeID)
	require.Equal(t, res1.SHA256, link.SHA256)
	require.Equal(t, 1, link.PageVersion)
	require.Contains(t, h.confSim.Labels("100001"), "otcs-published")
	page, _ := h.confSim.Page("100001")
	require.Equal(t, 1, page.Version, "the bridge's own write-back creates no page version")

	// Edit the page, publish again: a version on the same node, never a second node.
	_, err = h.confSim.UpdatePage("100001", "Records Retention Policy", "<p>Retention is now ten years.</p>", "557058:alice")
	require.NoError(t, err)
	res2, err := publish(t, "100001", 0)
	require.NoError(t, err)
	require.False(t, res2.Created)
	require.Equal(t, res1.NodeID, res2.NodeID)
	require.Equal(t, 2, res2.PageVersion)
	require.Equal(t, 2, res2.OTCSVersion)
	require.NotEqual(t, res1.SHA256, res2.SHA256)
	require.Len(t, recordsOf(t, folder, "100001"), 1)
	versions = h.otSim.Versions(res2.NodeID)
	require.Len(t, versions, 2)
	require.Equal(t, res2.SHA256, versions[1].SHA256)
	vals, _ = h.otSim.CategoryValues(res2.NodeID, 9001)
	require.Equal(t, "2", fmt.Sprint(vals["9001_9"]))
	require.Equal(t, res2.SHA256, vals["9001_12"])
	link = recordLink(t, "100001")
	require.Equal(t, 2, link.Version)
	require.Equal(t, 2, link.PageVersion)

	// A duplicate trigger for v2 reuses the finished run: no new workflow, no new version.
	ctx := context.Background()
	st, err := h.publisher.Publish(ctx, "100001", 2, "duplicate")
	require.NoError(t, err)
	require.True(t, st.Existing)
	require.Len(t, h.otSim.Versions(res2.NodeID), 2)
	desc, err := h.temporal.DescribeWorkflowExecution(ctx, workflows.PublishPageWorkflowID("100001", 2), "")
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, desc.GetWorkflowExecutionInfo().GetStatus())
	require.Equal(t, st.RunID, desc.GetWorkflowExecutionInfo().GetExecution().GetRunId())
	recordHistory(t, workflows.PublishPageWorkflowID("100001", 1), "publish_page.json")
	recordHistory(t, workflows.PublishPageWorkflowID("100001", 2), "publish_page_new_version.json")
}

func TestConcurrentDuplicateStartsRunOneWorkflow(t *testing.T) {
	p := h.confSim.CreatePage("POL", "Expense Policy", "<p>Claims within 30 days.</p>", "557058:bob", "approved", "dept-finance")
	ctx := context.Background()
	a, err := h.publisher.Publish(ctx, p.ID, 0, "webhook")
	require.NoError(t, err)
	b, err := h.publisher.Publish(ctx, p.ID, 0, "webhook redelivery")
	require.NoError(t, err)
	require.Equal(t, a.WorkflowID, b.WorkflowID)
	require.Equal(t, a.RunID, b.RunID)
	require.NoError(t, a.Run.Get(ctx, nil))
	require.Len(t, recordsOf(t, policiesFolder(t), p.ID), 1)
}

func TestPublishRefusesBadInput(t *testing.T) {
	cases := []struct {
		name, pageID string
		version      int
		errType      string
		mentions     string
	}{
		{"unknown page", "999999", 1, activities.ErrPageNotFound, "999999"},
		{"page without approval label", "100002", 1, activities.ErrNotApproved, `"approved"`},
		{"unmapped space", "200001", 1, activities.ErrNoMapping, `"ENG"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := publish(t, tc.pageID, tc.version)
			require.Error(t, err)
			require.Equal(t, tc.errType, appErrType(err), "%v", err)
			require.Contains(t, err.Error(), tc.mentions)
			// Non-retryable: the read activity ran once, no retry storm.
			hist := h.temporal.GetWorkflowHistory(context.Background(), workflows.PublishPageWorkflowID(tc.pageID, tc.version), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			attempts := 0
			for hist.HasNext() {
				ev, err := hist.Next()
				require.NoError(t, err)
				if s := ev.GetActivityTaskStartedEventAttributes(); s != nil {
					attempts += int(s.GetAttempt())
				}
			}
			require.Equal(t, 1, attempts)
		})
	}
}

func TestIllegalTitleGetsLegalDeterministicName(t *testing.T) {
	title := "Q4: Budget " + strings.Repeat("very long title ", 20)
	p := h.confSim.CreatePage("POL", title, "<p>Numbers.</p>", "557058:carol", "approved", "dept-finance")
	res, err := publish(t, p.ID, 0)
	require.NoError(t, err)
	nodes := recordsOf(t, policiesFolder(t), p.ID)
	require.Len(t, nodes, 1)
	require.NotContains(t, nodes[0].Name, ":")
	require.LessOrEqual(t, len([]rune(nodes[0].Name)), 248)
	require.Equal(t, res.Name, nodes[0].Name)
	require.True(t, strings.HasPrefix(nodes[0].Name, "Q4- Budget very long title"))
}

func TestPublishSurvivesOutagesWithoutDuplicates(t *testing.T) {
	p := h.confSim.CreatePage("POL", "Information Security Policy", "<p>Use strong passwords.</p>", "557058:dave", "approved", "dept-it")
	h.confSim.AddAttachment(p.ID, "controls.csv", "text/csv", []byte("control,owner\nAC-1,it\n"))
	saveVersion(t, p.ID) // the record of a version holds the files attached before it
	// OTCS: a burst of 503s longer than the client's own retries, then
	// rate limiting, and every ticket expired on the way.
	h.otSim.Faults().Set(faults.Config{ServerErrorBurst: 6, RetryAfter: time.Second})
	h.confSim.Faults().Set(faults.Config{RateLimitBurst: 2, RetryAfter: time.Second})
	h.otSim.ExpireTickets()
	defer h.otSim.Faults().Set(faults.Config{})
	defer h.confSim.Faults().Set(faults.Config{})
	res, err := publish(t, p.ID, 0)
	require.NoError(t, err)
	require.NotZero(t, h.otSim.Faults().Injected()[503])
	require.NotZero(t, h.confSim.Faults().Injected()[429])
	nodes := recordsOf(t, policiesFolder(t), p.ID)
	require.Len(t, nodes, 1)
	require.Len(t, h.otSim.Versions(res.NodeID), 1)
	require.Equal(t, res.SHA256, h.otSim.Versions(res.NodeID)[0].SHA256)
}

func TestHeldRecordIsNeverOverwritten(t *testing.T) {
	p := h.confSim.CreatePage("POL", "Whistleblowing Policy", "<p>Report concerns.</p>", "557058:erin", "approved", "dept-legal")
	res, err := publish(t, p.ID, 0)
	require.NoError(t, err)
	require.NoError(t, h.otSim.ApplyHold(res.NodeID, 8001))
	_, err = h.confSim.UpdatePage(p.ID, "Whistleblowing Policy", "<p>Report concerns anonymously.</p>", "557058:erin")
	require.NoError(t, err)
	_, err = publish(t, p.ID, 0)
	require.Error(t, err)
	require.Equal(t, activities.ErrRecordOnHold, appErrType(err))
	require.Contains(t, err.Error(), "Litigation Hold 2026-01")
	recordHistory(t, workflows.PublishPageWorkflowID(p.ID, 2), "publish_page_on_hold.json")
	require.Len(t, h.otSim.Versions(res.NodeID), 1, "held record keeps its single version")
}

func TestPublishWaitsForOTCSToComeBack(t *testing.T) {
	p := h.confSim.CreatePage("POL", "Business Continuity Policy", "<p>Keep going.</p>", "557058:finn", "approved", "dept-ops")
	h.otSim.Faults().Set(faults.Config{Down: true, RetryAfter: time.Second})
	defer h.otSim.Faults().Set(faults.Config{})
	ctx := context.Background()
	st, err := h.publisher.Publish(ctx, p.ID, 0, "e2e test")
	require.NoError(t, err)
	// OTCS answers 503 to everything: the run waits in Uploading, retrying.
	require.Eventually(t, func() bool { return h.otSim.Faults().Injected()[503] >= 8 }, 60*time.Second, 100*time.Millisecond)
	v, err := h.temporal.QueryWorkflow(ctx, st.WorkflowID, "", workflows.StatusQuery)
	require.NoError(t, err)
	var status workflows.PublishStatus
	require.NoError(t, v.Get(&status))
	require.Equal(t, workflows.StageUploading, status.Stage)
	require.Empty(t, recordsOf(t, policiesFolder(t), p.ID))

	h.otSim.Faults().Set(faults.Config{}) // OTCS is back
	var res workflows.PublishPageResult
	require.NoError(t, st.Run.Get(ctx, &res))
	require.Len(t, recordsOf(t, policiesFolder(t), p.ID), 1)
	require.Len(t, h.otSim.Versions(res.NodeID), 1)
}

func TestMeetingNotesAreFiledInDatedFolder(t *testing.T) {
	ctx := context.Background()
	st, err := h.publisher.File(ctx, "100003", 0, "e2e test")
	require.NoError(t, err)
	var res workflows.FileRecordResult
	require.NoError(t, st.Run.Get(ctx, &res))
	require.Equal(t, "Meeting Notes", res.RecordType)
	require.Equal(t, "record:Meeting Notes", res.Rule)
	page, _ := h.confSim.Page("100003")
	at := page.CreatedAt.UTC() // version 1: the version date is the creation date
	folder, ok := h.otSim.FindPath(opentextsim.EnterpriseWorkspaceID, "Records", "Meeting Notes", "POL", at.Format("2006"), at.Format("01"))
	require.True(t, ok, "dated folder Records/Meeting Notes/POL/%s/%s created", at.Format("2006"), at.Format("01"))
	node, ok := h.otSim.Node(res.NodeID)
	require.True(t, ok)
	require.Equal(t, folder.ID, node.ParentID)
	vals, _ := h.otSim.CategoryValues(res.NodeID, 9001)
	require.Equal(t, "Meeting Notes", vals["9001_4"])
	require.Equal(t, "Meeting records - 3 years", vals["9001_7"])
	require.Equal(t, "legal", vals["9001_3"])
	require.Equal(t, res.SHA256, vals["9001_12"])
	rm := h.otSim.RMClassifications(res.NodeID)
	require.Len(t, rm, 1)
	require.Equal(t, int64(7002), rm[0].ClassID)
	require.True(t, rm[0].Official)
	require.Equal(t, res.SHA256, h.otSim.Versions(res.NodeID)[0].SHA256)
	require.Equal(t, res.NodeID, recordLink(t, "100003").NodeID)
	require.Contains(t, h.confSim.Labels("100003"), "otcs-filed")
	recordHistory(t, st.WorkflowID, "file_record.json")

	// Filing again is a no-op: same run, one version.
	again, err := h.publisher.File(ctx, "100003", 0, "e2e test")
	require.NoError(t, err)
	require.True(t, again.Existing)
	require.Len(t, h.otSim.Versions(res.NodeID), 1)
}

func TestFilingAPageNoRecordRuleMatchesIsRefused(t *testing.T) {
	p := h.confSim.CreatePage("POL", "Remote Work Policy", "<p>Work from anywhere.</p>", "557058:gus", "approved", "dept-hr")
	ctx := context.Background()
	st, err := h.publisher.File(ctx, p.ID, 0, "e2e test")
	require.NoError(t, err)
	err = st.Run.Get(ctx, nil)
	require.Equal(t, activities.ErrNotARecord, appErrType(err), "%v", err)
}

func TestPageIDsThatCannotBeConfluenceIdsStartNothing(t *testing.T) {
	ctx := context.Background()
	for _, id := range []string{"12ab", "0100001", "1/2", "route:x", strings.Repeat("9", 20)} {
		_, err := h.publisher.Publish(ctx, id, 1, "test")
		require.ErrorContains(t, err, "not a Confluence content id", id)
		_, err = h.publisher.Route(ctx, workflows.RouteEventInput{PageID: id, Event: "page_updated", DeliveryID: "d"})
		require.ErrorContains(t, err, "not a Confluence content id", id)
	}
	require.Equal(t, 0, countRuns(t, "WorkflowId = 'publish:12ab:v1'"))
}

func TestApprovePublishRecordsTheOperatorsApproverOnThePageAndTheRecord(t *testing.T) {
	p := h.confSim.CreatePage("POL", "Anti-bribery Policy", "<p>No bribes.</p>", "557058:writer", "dept-legal")
	ctx := context.Background()
	st, err := h.publisher.ApprovePublish(ctx, control.ApprovalRequest{PageID: p.ID, Version: 1, Approver: "557058:board", RequestedBy: "test"})
	require.NoError(t, err)
	var res workflows.PublishPageResult
	require.NoError(t, st.Run.Get(ctx, &res))
	vals, _ := h.otSim.CategoryValues(res.NodeID, 9001)
	require.Equal(t, "557058:board", vals["9001_10"], "Approved By is the named approver, not the page's writer")
	raw, _, ok := h.confSim.Property(p.ID, activities.ApprovalPropertyKey)
	require.True(t, ok)
	require.Contains(t, string(raw), `"by":"557058:board"`)
	require.Contains(t, string(raw), `"source":"operator"`)
}
