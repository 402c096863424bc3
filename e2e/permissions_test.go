package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/control"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// otcsAs is an OTCS client of the simulator authenticated as a user.
func otcsAs(t *testing.T, user, password string) *opentext.Client {
	t.Helper()
	c, err := opentext.New(opentext.Config{BaseURL: h.otURL, Username: user, Password: password,
		Retry: rest.RetryConfig{Max: -1, WaitMin: time.Millisecond, WaitMax: time.Millisecond}})
	require.NoError(t, err)
	return c
}

// canRead reports whether the client's user may read the node.
func canRead(t *testing.T, c *opentext.Client, nodeID int64) bool {
	t.Helper()
	_, err := c.GetNode(context.Background(), nodeID)
	if err == nil {
		return true
	}
	require.True(t, rest.IsKind(err, rest.KindNotFound) || rest.IsKind(err, rest.KindBadRequest) || rest.IsKind(err, rest.KindForbidden), "read node %d: %v", nodeID, err)
	return false
}

// approvedBy publishes a page version approved by an operator's named
// approver and waits for the run.
func approvedBy(t *testing.T, pageID string) (*workflows.PublishPageResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, err := h.publisher.ApprovePublish(ctx, control.ApprovalRequest{PageID: pageID, Version: 1, Approver: "557058:alice", RequestedBy: "test"})
	require.NoError(t, err)
	var res workflows.PublishPageResult
	err = st.Run.Get(ctx, &res)
	return &res, err
}

// A page read-restricted to legal is published through the real server
// with an access list that lets lena (Legal) read the record in OTCS and
// not oscar; checked through the OTCS REST API as each of them.
func TestRestrictedPagePublishedForItsReadersOnly(t *testing.T) {
	p := h.confSim.CreatePage("POL", "Falcon due diligence", "<p>Findings.</p>", "557058:editor", "dept-legal")
	require.NoError(t, h.confSim.SetRestriction(p.ID, "read", nil, []string{"legal", "records-admins"}))
	res, err := approvedBy(t, p.ID)
	require.NoError(t, err)
	require.True(t, canRead(t, otcsAs(t, "lena", "lena-secret"), res.NodeID), "lena reads the record")
	require.False(t, canRead(t, otcsAs(t, "oscar", "oscar-secret"), res.NodeID), "oscar does not")
	node, _ := h.otSim.Node(res.NodeID)
	require.Equal(t, policiesFolder(t), node.ParentID, "the record ends in its folder, not the staging folder")
}

// A restriction to a group the mapping does not map fails the run with
// RestrictedSourceUnmapped, stores nothing and tells the page once.
func TestUnmappableRestrictionIsRefusedAndExplainedOnThePage(t *testing.T) {
	p := h.confSim.CreatePage("POL", "Board remuneration", "<p>Figures.</p>", "557058:editor", "dept-legal")
	require.NoError(t, h.confSim.SetRestriction(p.ID, "read", nil, []string{"confluence-administrators"}))
	_, err := approvedBy(t, p.ID)
	require.Error(t, err)
	require.Equal(t, string(activities.TypeRestrictedSourceUnmapped), appErrType(err), "got %v", err)
	require.Contains(t, err.Error(), "confluence-administrators")
	require.Empty(t, recordsOf(t, policiesFolder(t), p.ID), "nothing stored")
	comments := h.confSim.Comments(p.ID)
	require.Len(t, comments, 1)
	require.Contains(t, comments[0].Body, "access.groups")
}

// A restriction added after publishing reaches the records: the webhook's
// content_permissions_updated on a parent page narrows the records of the
// page and of its child (read restrictions cascade), through the real
// server; oscar could read both before and reads neither after.
func TestRestrictionAddedLaterNarrowsTheRecordsBelowIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	parent := h.confSim.CreatePage("POL", "Osprey programme", "<p>Overview.</p>", "557058:editor", "dept-legal")
	child, err := h.confSim.CreateChildPage(parent.ID, "Osprey findings", "<p>Findings.</p>", "557058:editor")
	require.NoError(t, err)
	for _, l := range []string{"dept-legal"} {
		require.NoError(t, h.confSim.AddLabel(child.ID, l))
	}
	oscar, lena := otcsAs(t, "oscar", "oscar-secret"), otcsAs(t, "lena", "lena-secret")
	var nodes []int64
	for _, id := range []string{parent.ID, child.ID} {
		res, err := approvedBy(t, id)
		require.NoError(t, err)
		require.True(t, canRead(t, oscar, res.NodeID), "an open page's record is readable by oscar")
		nodes = append(nodes, res.NodeID)
	}

	restricted := time.Now()
	require.NoError(t, h.confSim.SetRestriction(parent.ID, "read", nil, []string{"legal", "records-admins"}))
	st, err := h.publisher.Route(ctx, workflows.RouteEventInput{PageID: parent.ID, Event: activities.PermissionsEvent, Actor: "557058:editor", DeliveryID: "perm-" + parent.ID})
	require.NoError(t, err)
	var routed activities.RouteResult
	require.NoError(t, st.Run.Get(ctx, &routed))
	require.Equal(t, activities.FlowAccess, routed.Flow)
	var narrowed activities.NarrowResult
	require.NoError(t, h.temporal.GetWorkflow(ctx, routed.WorkflowID, "").Get(ctx, &narrowed))
	recordHistory(t, routed.WorkflowID, "secure_records.json")
	t.Logf("revocation delay (restriction set → records narrowed, webhook event to the end of the run): %s", time.Since(restricted).Round(time.Millisecond))
	require.ElementsMatch(t, nodes, narrowed.Narrowed)
	for _, n := range nodes {
		require.False(t, canRead(t, oscar, n), "oscar still reads record %d", n)
		require.True(t, canRead(t, lena, n), "lena lost record %d", n)
	}
	// The restriction lifted: the page's run gives both records their
	// folder's list back (the rule for an open page), in order.
	require.NoError(t, h.confSim.SetRestriction(parent.ID, "read", nil, nil))
	again, err := h.publisher.SecureRecords(ctx, parent.ID, "test")
	require.NoError(t, err)
	var second activities.NarrowResult
	require.NoError(t, again.Run.Get(ctx, &second))
	require.Empty(t, second.Narrowed)
	require.ElementsMatch(t, nodes, second.Widened)
	for _, n := range nodes {
		require.True(t, canRead(t, oscar, n), "record %d stays narrower than its open page", n)
	}
}

// The bridge is nobody's deputy, through the real server: a page that
// includes a legal-only page is never filed (its readers are wider), a
// page titled as meeting notes doing the same is not filed either, and a
// version approved by its own author is refused; each run fails with its
// type and stores nothing.
func TestTheBridgeIsNobodysDeputy(t *testing.T) {
	secret := h.confSim.CreatePage("POL", "Remuneration committee papers", "<p>Salaries.</p>", "557058:lena", "dept-legal")
	require.NoError(t, h.confSim.SetRestriction(secret.ID, "read", []string{"557058:lena"}, []string{"records-admins"}))
	include := `<ac:structured-macro ac:name="include"><ac:parameter ac:name=""><ac:link><ri:page ri:content-title="Remuneration committee papers" ri:space-key="POL" /></ac:link></ac:parameter></ac:structured-macro>`

	p := h.confSim.CreatePage("POL", "Compensation overview", "<p>Overview.</p>"+include, "557058:editor", "dept-legal")
	_, err := approvedBy(t, p.ID)
	require.Error(t, err)
	require.Equal(t, string(activities.TypeIncludedPageRestricted), appErrType(err), "got %v", err)
	require.Empty(t, recordsOf(t, policiesFolder(t), p.ID))

	notes := h.confSim.CreatePage("POL", "2026-12-01 Remuneration meeting notes", "<p>Minutes.</p>"+include, "557058:editor", "meeting-notes", "dept-legal")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, err := h.publisher.Start(ctx, workflows.FileFlow, notes.ID, 1, "test")
	require.NoError(t, err)
	err = st.Run.Get(ctx, nil)
	require.Error(t, err)
	require.Equal(t, string(activities.TypeIncludedPageRestricted), appErrType(err), "got %v", err)

	self := h.confSim.CreatePage("POL", "Hospitality rules", "<p>Rules.</p>", "557058:alice", "dept-legal")
	_, err = approvedBy(t, self.ID) // approved by alice, its author
	require.Error(t, err)
	require.Equal(t, string(activities.TypeSelfApproval), appErrType(err), "got %v", err)
	require.Empty(t, recordsOf(t, policiesFolder(t), self.ID))
}

// A restriction made with no webhook delivered is found by the periodic
// re-check of the reconciliation: the record is narrowed.
func TestReconciliationNarrowsRecordsOfPagesRestrictedSilently(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := h.confSim.CreatePage("POL", "Heron contract terms", "<p>Terms.</p>", "557058:editor", "dept-legal")
	res, err := approvedBy(t, p.ID)
	require.NoError(t, err)
	oscar := otcsAs(t, "oscar", "oscar-secret")
	require.True(t, canRead(t, oscar, res.NodeID))
	require.NoError(t, h.confSim.SetRestriction(p.ID, "read", nil, []string{"legal", "records-admins"}))
	run, err := h.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "reconcile-access-" + p.ID, TaskQueue: workflows.TaskQueue},
		workflows.Reconcile, workflows.ReconcileInput{Lookback: time.Minute, AccessEvery: 1})
	require.NoError(t, err)
	var rec activities.ReconcileResult
	require.NoError(t, run.Get(ctx, &rec))
	require.NotNil(t, rec.Access)
	require.Contains(t, rec.Access.Narrowed, res.NodeID)
	recordHistory(t, "reconcile-access-"+p.ID, "reconcile.json")
	require.False(t, canRead(t, oscar, res.NodeID), "oscar still reads the record")
	require.True(t, canRead(t, otcsAs(t, "lena", "lena-secret"), res.NodeID))
	t.Logf("access re-check: %d published pages, %d records, %d narrowed", rec.Access.Pages, rec.Access.Records, len(rec.Access.Narrowed))
}

// A link to a node in no watched folder that the linking author may not
// see makes no document page and writes nothing into the node.
func TestLinkToAnUnseenNodeMakesNoPageAndNoWrite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	doc, err := h.otSim.CreateDocument(opentextsim.RecordsFolderID, "Board minutes 2026-11.pdf", "application/pdf", []byte("%PDF-1.4 minutes"), false)
	require.NoError(t, err)
	require.NoError(t, h.otSim.RestrictNode(doc.ID, opentextsim.LegalGroupID))
	before := h.otSim.Versions(doc.ID)
	beforeNode, _ := h.otSim.Node(doc.ID)

	otcsBase := strings.TrimSuffix(h.otcs.NodeURL(1), "/app/nodes/1")
	notes := h.confSim.CreatePage("APOLLO", "Board gossip", fmt.Sprintf(`<p>See <a href="%s/app/nodes/%d">the minutes</a>.</p>`, otcsBase, doc.ID), "557058:editor")
	refs := references(ctx, t, notes.ID)
	var ref *activities.Reference
	for i := range refs.Refs {
		if refs.Refs[i].NodeID == doc.ID {
			ref = &refs.Refs[i]
		}
	}
	require.NotNil(t, ref, "the link was not scanned: %+v", refs.Refs)
	require.Equal(t, activities.RefUnavailable, ref.Status, "a node the author may not see became a reference: %+v", ref)
	require.Empty(t, pagesWithLabel(t, ctx, activities.NodeLabel(doc.ID)), "a document page was made for it")
	after, _ := h.otSim.Node(doc.ID)
	require.Equal(t, beforeNode.ModifyDate, after.ModifyDate, "the node was written to")
	require.Len(t, h.otSim.Versions(doc.ID), len(before))
	vals, _ := h.otSim.CategoryValues(doc.ID, opentextsim.DocumentControlCategoryID)
	require.Empty(t, vals["9002_6"], "a back link was written into the node")
}
