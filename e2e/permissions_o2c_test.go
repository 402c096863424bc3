package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/activities/documentpages"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// asPerson is a Confluence client acting as one of the simulator's people.
func asPerson(t *testing.T, email, token string) *confluence.Client {
	t.Helper()
	c, err := confluence.New(confluence.Config{BaseURL: h.confURL, Email: email, APIToken: token,
		Retry: rest.RetryConfig{Max: 1, WaitMin: 10 * time.Millisecond, WaitMax: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readable reports whether c may read the page through the REST API.
func readable(ctx context.Context, t *testing.T, c *confluence.Client, pageID string) bool {
	t.Helper()
	_, err := c.GetPage(ctx, pageID, confluence.GetPageOptions{BodyFormat: "storage"})
	if err != nil && !rest.IsKind(err, rest.KindNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// viewAs is a page's export_view as c renders it.
func viewAs(ctx context.Context, t *testing.T, c *confluence.Client, pageID string) string {
	t.Helper()
	p, err := c.GetPage(ctx, pageID, confluence.GetPageOptions{BodyFormat: "export_view"})
	if err != nil {
		t.Fatal(err)
	}
	return p.Body
}

// sweepPermissions runs the permission sweep at once and waits for it.
func sweepPermissions(ctx context.Context, t *testing.T) (*workflows.PermissionTotals, time.Duration) {
	t.Helper()
	start := time.Now()
	st, err := h.publisher.SyncPermissionsNow(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.PermissionTotals
	if err := st.Run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	return &res, time.Since(start)
}

// Permissions follow the content, OpenText → Confluence: the page of a
// document only Legal may see in OTCS is readable by lena (legal) and not
// by oscar, through the REST API and in the hub's and the connected
// workspace's Page Properties Reports; revoking Legal's access in OTCS
// and running the permission sweep closes it to lena; a reader the
// mapping cannot map makes the bridge refuse, with its message; giving
// Legal its access back opens it to lena again.
func TestPermissionsFollowTheContent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	lena := asPerson(t, "lena@example.com", "lena-token")
	oscar := asPerson(t, "oscar@example.com", "oscar-token")

	// A restricted document in the connected workspace too, for its
	// "Workspace documents" page.
	opinion, err := h.otSim.CreateDocument(opentextsim.ProjectApolloWorkspaceID, "Apollo Legal Opinion.pdf", "application/pdf", []byte("%PDF-1.4 opinion"), false)
	if err != nil {
		t.Fatal(err)
	}
	for attr, v := range map[string]string{"Approval Status": "Approved", "Document Type": "Contract", "Owner": "Legal"} {
		if err := h.otSim.SetCategoryValue(opinion.ID, opentextsim.DocumentControlCategoryID, attr, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.otSim.RestrictNode(opinion.ID, opentextsim.LegalGroupID); err != nil {
		t.Fatal(err)
	}
	syncDocumentsFull(ctx, t, nil)

	leg := docPage(t, ctx, opentextsim.LegalHoldProcedureID)
	sop := docPage(t, ctx, opentextsim.SOPChangeManagementID)
	if !readable(ctx, t, lena, leg.ID) || readable(ctx, t, oscar, leg.ID) {
		t.Fatalf("the Legal-only document's page: lena %t, oscar %t; want true, false", readable(ctx, t, lena, leg.ID), readable(ctx, t, oscar, leg.ID))
	}
	if !readable(ctx, t, oscar, sop.ID) {
		t.Error("oscar cannot read the page of a public document")
	}
	if hub, _ := h.confSim.Page(leg.ParentID); hub.Title != "Approved Procedures" {
		t.Errorf("the restricted page is under %q, want its hub", hub.Title)
	}
	if rec := docRecord(t, ctx, opentextsim.LegalHoldProcedureID); !strings.Contains(rec.Readers, "legal") {
		t.Errorf("record of who may read: %q", rec.Readers)
	}
	// Page Properties Reports list only what the viewer may read.
	hubView := func(c *confluence.Client) string { return viewAs(ctx, t, c, leg.ParentID) }
	if v := hubView(lena); !strings.Contains(v, "LEG-001") || !strings.Contains(v, "SOP-002") {
		t.Errorf("lena's hub report lacks a row:\n%s", v)
	}
	if v := hubView(oscar); strings.Contains(v, "LEG-001") || !strings.Contains(v, "SOP-002") {
		t.Errorf("oscar's hub report shows the restricted row (or lacks a public one):\n%s", v)
	}
	apollo, _ := h.conf.GetSpaceByKey(ctx, "APOLLO")
	wsPage, err := h.conf.FindPageByTitle(ctx, apollo.ID, "APOLLO", documentpages.WorkspacePageTitle)
	if err != nil || wsPage == nil {
		t.Fatalf("workspace page: %v", err)
	}
	if v := viewAs(ctx, t, lena, wsPage.ID); !strings.Contains(v, "Apollo Legal Opinion") {
		t.Errorf("lena's workspace page lacks the restricted row:\n%s", v)
	}
	if v := viewAs(ctx, t, oscar, wsPage.ID); strings.Contains(v, "Apollo Legal Opinion") {
		t.Errorf("oscar's workspace page shows the restricted row:\n%s", v)
	}

	// Revocation: Legal loses its access in OTCS (through the REST API, as
	// an administrator would); the modify date stays, so only the sweep
	// sees it.
	before, _ := h.otSim.Node(opentextsim.LegalHoldProcedureID)
	revoked := time.Now()
	if err := h.otcs.RemoveCustomPermission(ctx, opentextsim.LegalHoldProcedureID, opentextsim.LegalGroupID, opentext.ApplyThisItem); err != nil {
		t.Fatal(err)
	}
	if after, _ := h.otSim.Node(opentextsim.LegalHoldProcedureID); !after.ModifyDate.Equal(before.ModifyDate) {
		t.Fatalf("a permission change moved the modify date")
	}
	res, took := sweepPermissions(ctx, t)
	recordHistory(t, workflows.SyncPermissionsWorkflowID, "sync_permissions.json")
	if readable(ctx, t, lena, leg.ID) {
		t.Fatalf("lena still reads the page after the sweep: %+v", res)
	}
	t.Logf("revocation delay: %s from the OTCS change to the page closed (a sweep of %d pages, %s; with the Schedule, at most BRIDGE_PERMISSIONS_EVERY more)",
		time.Since(revoked).Round(time.Millisecond), res.Pages, took.Round(time.Millisecond))
	t.Logf("permission sweep: %d pages, %d restricted, %d rewritten; %.2f OTCS and %.2f Confluence requests per document",
		res.Pages, res.Restricted, res.Changed, float64(res.OTCSRequests)/float64(res.Pages), float64(res.ConfRequests)/float64(res.Pages))
	if res.Changed != 1 || res.Pages < 5 {
		t.Errorf("sweep after one revocation: %+v", res)
	}
	if r, _ := h.confSim.Restrictions(leg.ID); !sameSet(r.ReadGroups, []string{"records-admins"}) || !sameSet(r.ReadUsers, []string{"557058:bridge"}) {
		t.Errorf("revoked page: %+v, want the bridge and the kept group only", r)
	}

	// A reader the mapping cannot map (oscar has no access.user_table
	// entry): refused, the page kept to the bridge and the kept group.
	if err := h.otSim.RestrictNode(opentextsim.LegalHoldProcedureID, opentextsim.LegalGroupID, opentextsim.OscarUserID); err != nil {
		t.Fatal(err)
	}
	res, _ = sweepPermissions(ctx, t)
	if len(res.Refused) != 1 || !strings.Contains(res.Refused[0], "OTCS user oscar (add it to access.user_table)") {
		t.Errorf("unmapped reader: %+v", res.Refused)
	}
	t.Logf("refused: %s", strings.Join(res.Refused, "; "))
	if readable(ctx, t, lena, leg.ID) || readable(ctx, t, oscar, leg.ID) {
		t.Error("a refused source's page is readable by lena or oscar")
	}
	if up := refresh(ctx, t, leg.ID); len(up.Pages) != 1 || !strings.Contains(up.Pages[0].Refused, "oscar") {
		t.Errorf("the document refresh does not report the refusal: %+v", up.Pages)
	}

	// Legal's access back: the page opens to lena again.
	if err := h.otSim.RestrictNode(opentextsim.LegalHoldProcedureID, opentextsim.LegalGroupID); err != nil {
		t.Fatal(err)
	}
	if res, _ = sweepPermissions(ctx, t); res.Changed != 1 || len(res.Refused) != 0 {
		t.Errorf("sweep after Legal's access came back: %+v", res)
	}
	if !readable(ctx, t, lena, leg.ID) || readable(ctx, t, oscar, leg.ID) {
		t.Error("after Legal's access came back: lena cannot read, or oscar can")
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}
