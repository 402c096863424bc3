package opentext

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestSeedO2C(t *testing.T) {
	w := newWire(t, Options{})
	other := newWire(t, Options{})
	for _, tc := range []struct {
		id       int64
		parent   int64
		name     string
		versions []string
		status   string
		docType  string
	}{
		{SOPIncidentResponseID, ApprovedProceduresFolderID, "SOP-001 Incident Response.pdf", []string{"1.0", "1.1"}, "Approved", "Standard Operating Procedure"},
		{SOPChangeManagementID, ApprovedProceduresFolderID, "SOP-002 Change Management.pdf", []string{"1.0", "2.0"}, "Approved", "Standard Operating Procedure"},
		{SOPAccessReviewID, ApprovedProceduresFolderID, "SOP-003 Access Review.pdf", []string{"0.1"}, "Draft", "Standard Operating Procedure"},
		{LegalHoldProcedureID, ApprovedProceduresFolderID, "LEG-001 Legal Hold Procedure.pdf", []string{"1.0"}, "Approved", "Standard Operating Procedure"},
		{ApolloAgreementID, ProjectApolloWorkspaceID, "Apollo Master Services Agreement.pdf", []string{"1"}, "Approved", "Contract"},
		{ApolloBudgetApprovalID, ProjectApolloWorkspaceID, "Apollo Budget Approval (signed).pdf", []string{"1"}, "Approved", "Signed Approval"},
	} {
		n, ok := w.s.Node(tc.id)
		if !ok || n.Name != tc.name || n.ParentID != tc.parent || n.MimeType != "application/pdf" || !reflect.DeepEqual(n.Categories, []int64{DocumentControlCategoryID}) {
			t.Errorf("%d: %+v", tc.id, n)
			continue
		}
		var names []string
		vs := w.s.Versions(tc.id)
		for _, v := range vs {
			names = append(names, v.Name)
			b, err := os.ReadFile(v.BlobPath)
			if err != nil || !bytes.HasPrefix(b, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) || int64(len(b)) != v.Size {
				t.Errorf("%d v%d content: %v %q", tc.id, v.Number, err, b)
			}
		}
		if !reflect.DeepEqual(names, tc.versions) {
			t.Errorf("%d versions %v, want %v", tc.id, names, tc.versions)
		}
		vals, _ := w.s.CategoryValues(tc.id, DocumentControlCategoryID)
		if vals["9002_4"] != tc.status || vals["9002_2"] != tc.docType || vals["9002_6"] != nil {
			t.Errorf("%d Document Control = %v", tc.id, vals)
		}
		// Deterministic: a second server has the same bytes and dates.
		o, _ := other.s.Node(tc.id)
		ovs := other.s.Versions(tc.id)
		if !o.ModifyDate.Equal(n.ModifyDate) || !o.CreateDate.Equal(n.CreateDate) || len(ovs) != len(vs) || ovs[len(ovs)-1].SHA256 != vs[len(vs)-1].SHA256 {
			t.Errorf("%d differs between runs: %+v vs %+v", tc.id, o, n)
		}
		if last := vs[len(vs)-1]; !n.ModifyDate.Equal(last.CreateDate) {
			t.Errorf("%d modify date %v, latest version %v", tc.id, n.ModifyDate, last.CreateDate)
		}
	}
	// 1.1 is a draft newer than the approved 1.0.
	if vs := w.s.Versions(SOPIncidentResponseID); !vs[0].Major || vs[1].Major || !vs[1].CreateDate.After(vs[0].CreateDate) {
		t.Errorf("SOP-001 versions: %+v", vs)
	}
	if f, _ := w.s.Node(ApprovedProceduresFolderID); !f.Advanced || f.ParentID != ControlledDocumentsID || f.Name != "Approved Procedures" {
		t.Errorf("folder: %+v", f)
	}
	if ws, _ := w.s.Node(ProjectApolloWorkspaceID); ws.Type != 848 || ws.TypeName != "Business Workspace" || ws.WorkspaceTypeID != ProjectWorkspaceTypeID {
		t.Errorf("workspace: %+v", ws)
	}
	r := w.get(fmt.Sprintf("/api/v2/nodes/%d/categories?metadata", SOPIncidentResponseID))
	md := dig(r.json, "results", 0, "metadata", "categories")
	for key, name := range map[string]string{"9002_2": "Document Type", "9002_3": "Owner", "9002_4": "Approval Status", "9002_5": "Approved By", "9002_6": "Confluence Page"} {
		if dig(md, key, "name") != name || dig(md, key, "type_name") != "String" {
			t.Errorf("%s metadata: %v", key, dig(md, key))
		}
	}
	if dig(md, "9002_6", "max_length") != 2000.0 {
		t.Errorf("Confluence Page max_length: %v", dig(md, "9002_6"))
	}
	// The Enterprise Workspace keeps its three children.
	var names []string
	for _, n := range w.s.Children(EnterpriseWorkspaceID) {
		names = append(names, n.Name)
	}
	if strings.Join(names, ",") != "Controlled Documents,Records,Workflow Maps" {
		t.Errorf("Enterprise Workspace children: %v", names)
	}
}

func TestGoAPI(t *testing.T) {
	w := newWire(t, Options{})
	s := w.s
	// CreateDocument inherits the folder's advanced versioning.
	doc, err := s.CreateDocument(ApprovedProceduresFolderID, "SOP-004 Backup.pdf", "", demoPDF("backup"), false)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.Advanced || doc.MimeType != "application/pdf" || doc.VersionCount != 1 || doc.ID < FirstAllocatedID {
		t.Errorf("CreateDocument = %+v", doc)
	}
	std, err := s.CreateDocument(PoliciesFolderID, "plain.txt", "text/plain", []byte("one"), false)
	if err != nil || std.Advanced {
		t.Fatalf("standard document: %+v %v", std, err)
	}
	if _, err := s.CreateDocument(ApprovedProceduresFolderID, "sop-004 backup.PDF", "", nil, false); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := s.CreateDocument(SOPAccessReviewID, "x.pdf", "", nil, false); err == nil {
		t.Error("document inside a document")
	}
	// AddVersion: minor, then major, then minor; standard numbering.
	var got []string
	for _, major := range []bool{false, true, false} {
		v, err := s.AddVersion(doc.ID, "SOP-004 Backup.pdf", "application/pdf", demoPDF("next"), major)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v.Name)
	}
	if strings.Join(got, " ") != "0.2 1.0 1.1" {
		t.Errorf("advanced numbering: %v", got)
	}
	if v, err := s.AddVersion(std.ID, "plain.txt", "", []byte("two"), true); err != nil || v.Name != "2" || v.MajorNumber != 0 || v.MinorNumber != 2 {
		t.Errorf("standard AddVersion: %+v %v", v, err)
	}
	r := w.get(fmt.Sprintf("/api/v2/nodes/%d/content", doc.ID))
	if !strings.HasPrefix(r.body, "%PDF-1.4") || !strings.Contains(r.body, "(next)") {
		t.Errorf("content: %q", r.body)
	}
	if _, err := s.AddVersion(ApprovedProceduresFolderID, "x", "", nil, false); err == nil {
		t.Error("version on a folder")
	}
	// SetCategoryValue by display name; it applies the category if needed.
	if err := s.SetCategoryValue(doc.ID, DocumentControlCategoryID, "approval status", "Approved"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCategoryValue(doc.ID, DocumentControlCategoryID, "Confluence Page", "https://wiki.example/x/1"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.CategoryValues(doc.ID, DocumentControlCategoryID); v["9002_4"] != "Approved" || v["9002_6"] != "https://wiki.example/x/1" {
		t.Errorf("values = %v", v)
	}
	for _, bad := range []struct {
		cat   int64
		attr  string
		value any
	}{
		{DocumentControlCategoryID, "Colour", "x"},
		{DocumentControlCategoryID, "Confluence Page", strings.Repeat("x", 2001)},
		{DocumentControlCategoryID, "Owner", []any{"a", "b"}},
		{ConfluencePageCategoryID, "Project", "p"}, // Source Page ID is required on apply
		{4242, "Owner", "x"},
	} {
		if err := s.SetCategoryValue(doc.ID, bad.cat, bad.attr, bad.value); err == nil {
			t.Errorf("SetCategoryValue(%d, %s) accepted", bad.cat, bad.attr)
		}
	}
	// Rename and DeleteNode follow the REST rules.
	if err := s.Rename(doc.ID, "SOP-003 access review.pdf"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("rename onto a sibling: %v", err)
	}
	if err := s.Rename(doc.ID, "a: b"); err == nil {
		t.Error("rename with ':' accepted")
	}
	if err := s.Rename(doc.ID, "SOP-004 Backup and Restore.pdf"); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyHold(std.ID, LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteNode(std.ID); err == nil || !strings.Contains(err.Error(), "under hold") {
		t.Errorf("delete held: %v", err)
	}
	if _, err := s.AddVersion(std.ID, "plain.txt", "", []byte("three"), false); err == nil {
		t.Error("version on a held document")
	}
	if err := s.DeleteNode(doc.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Node(doc.ID); ok || !reflect.DeepEqual(s.RecycleBin(), []int64{doc.ID}) {
		t.Errorf("after delete: bin %v", s.RecycleBin())
	}
	if err := s.DeleteNode(doc.ID); err == nil {
		t.Error("second delete accepted")
	}
	// CreateWorkspace.
	ws, err := s.CreateWorkspace(ControlledDocumentsID, "Project Zeus", ProjectWorkspaceTypeID, ProjectWorkspaceType, BusinessObjectRef{"SAP", "PROJECT", "ZEUS"})
	if err != nil || ws.Type != 848 || ws.WorkspaceTypeID != ProjectWorkspaceTypeID {
		t.Fatalf("CreateWorkspace = %+v %v", ws, err)
	}
	if _, err := s.CreateWorkspace(ControlledDocumentsID, "project zeus", 16, "Project"); err == nil {
		t.Error("duplicate workspace name")
	}
}

func TestGoAPIConcurrent(t *testing.T) {
	w := newWire(t, Options{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.s.AddVersion(SOPAccessReviewID, "SOP-003 Access Review.pdf", "", demoPDF("draft"), false); err != nil {
				t.Error(err)
			}
			if err := w.s.SetCategoryValue(SOPAccessReviewID, DocumentControlCategoryID, "Owner", fmt.Sprint("owner ", i)); err != nil {
				t.Error(err)
			}
			w.get(fmt.Sprintf("/api/v2/nodes/%d/versions", SOPAccessReviewID))
		}()
	}
	wg.Wait()
	vs := w.s.Versions(SOPAccessReviewID)
	if len(vs) != 9 || vs[8].Name != "0.9" {
		t.Errorf("versions after concurrent adds: %d, last %+v", len(vs), vs[len(vs)-1])
	}
}

// The Legal-only document: lena (in Legal) may see and open it, oscar
// and the owner group may not; the bridge, privileged, may.
func TestSeedLegalOnlyDocument(t *testing.T) {
	w := newWire(t, Options{})
	w.s.mu.RLock()
	defer w.s.mu.RUnlock()
	n := w.s.nodes[LegalHoldProcedureID]
	for _, tc := range []struct {
		member int64
		want   perm
	}{{LenaUserID, permSee | permSeeContents}, {OscarUserID, 0}, {DefaultGroupID, 0}, {BridgeUserID, permAll}} {
		if got := w.s.effective(n, tc.member); got != tc.want {
			t.Errorf("member %d: %v, want %v", tc.member, got.names(), tc.want.names())
		}
	}
}
