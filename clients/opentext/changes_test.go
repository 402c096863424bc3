package opentext

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	sim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

func TestURLItems(t *testing.T) {
	e := newEnv(t, sim.Options{})
	n, err := e.c.CreateURL(ctx(t), sim.PoliciesFolderID, "Runbook", "https://wiki.example/runbook", "the runbook")
	if err != nil {
		t.Fatal(err)
	}
	if n.Type != TypeURL || n.URL != "https://wiki.example/runbook" || n.Description != "the runbook" || n.ParentID != sim.PoliciesFolderID {
		t.Errorf("CreateURL = %+v", n)
	}
	u, err := e.c.UpdateURL(ctx(t), n.ID, "https://wiki.example/runbook-v2")
	if err != nil || u.URL != "https://wiki.example/runbook-v2" || u.Name != "Runbook" {
		t.Fatalf("UpdateURL = %+v, %v", u, err)
	}
	if got, err := e.c.GetNode(ctx(t), n.ID); err != nil || got.URL != u.URL {
		t.Errorf("GetNode = %+v, %v", got, err)
	}
	_, err = e.c.CreateURL(ctx(t), sim.PoliciesFolderID, "runbook", "https://x", "")
	if k := restErr(t, err).Kind; k != rest.KindConflict {
		t.Errorf("duplicate: %s (%v)", k, err)
	}
	_, err = e.c.CreateURL(ctx(t), sim.PoliciesFolderID, "No target", "", "")
	if k := restErr(t, err).Kind; k != rest.KindBadRequest {
		t.Errorf("no target: %s (%v)", k, err)
	}
}

func TestVersionNumbersAndNodeFlags(t *testing.T) {
	e := newEnv(t, sim.Options{})
	vs, err := e.c.Versions(ctx(t), sim.SOPIncidentResponseID)
	if err != nil {
		t.Fatal(err)
	}
	type num struct {
		Number, Major, Minor int
		Name                 string
	}
	var got []num
	for _, v := range vs {
		got = append(got, num{v.Number, v.Major, v.Minor, v.Name})
	}
	if want := []num{{1, 1, 0, "1.0"}, {2, 1, 1, "1.1"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("advanced versions = %+v", got)
	}
	doc := mustDoc(t, e, sim.PoliciesFolderID, "standard.txt", "one")
	v, err := e.c.AddVersion(ctx(t), doc.ID, bytesUpload("standard.txt", "two", nil), "")
	if err != nil || v.Number != 2 || v.Major != 0 || v.Minor != 2 || v.Name != "2" {
		t.Errorf("standard AddVersion = %+v, %v", v, err)
	}
	n, err := e.c.GetNode(ctx(t), sim.SOPIncidentResponseID)
	if err != nil || !n.Advanced || n.ModifyUserID != sim.AdminUserID || n.MimeType != "application/pdf" {
		t.Errorf("seeded document = %+v, %v", n, err)
	}
	if doc.Advanced || doc.ModifyUserID != sim.BridgeUserID {
		t.Errorf("standard document = %+v", doc)
	}
}

func TestWireVersionAlternateNames(t *testing.T) {
	for _, tc := range []struct {
		json string
		want Version
	}{
		// The 2.0.2 spec's spelling.
		{`{"version_number":3,"version_major_number":2,"version_minor_number":0,"version_number_name":"2.0"}`,
			Version{NodeID: 7, Number: 3, Major: 2, Minor: 0, Name: "2.0"}},
		// The names clients read win over the alternates.
		{`{"version_number":2,"version_number_major":1,"version_number_minor":1,"version_major_number":9,"version_minor_number":9,"version_number_name":"1.1"}`,
			Version{NodeID: 7, Number: 2, Major: 1, Minor: 1, Name: "1.1"}},
		// Nothing about major/minor: a standard-versioned reading.
		{`{"version_number":4,"version_number_major":null}`, Version{NodeID: 7, Number: 4, Major: 0, Minor: 4, Name: "4"}},
	} {
		var w wireVersion
		if err := json.Unmarshal([]byte(tc.json), &w); err != nil {
			t.Fatal(err)
		}
		if got := w.version(7); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v", tc.json, got)
		}
	}
}

func TestListChildrenSort(t *testing.T) {
	e := newEnv(t, sim.Options{})
	if _, err := e.sim.AddVersion(sim.SOPChangeManagementID, "SOP-002 Change Management.pdf", "", []byte("%PDF-1.4\n"), false); err != nil {
		t.Fatal(err)
	}
	p, err := e.c.ListChildren(ctx(t), sim.ApprovedProceduresFolderID, ListOptions{Sort: "desc_modify_date", WhereTypes: []int{TypeDocument, TypeURL}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, n := range p.Nodes {
		ids = append(ids, n.ID)
	}
	if want := []int64{sim.SOPChangeManagementID, sim.LegalHoldProcedureID, sim.SOPAccessReviewID, sim.SOPIncidentResponseID}; !reflect.DeepEqual(ids, want) {
		t.Errorf("desc_modify_date = %v, want %v", ids, want)
	}
	before := e.sim.Requests()
	_, err = e.c.ListChildren(ctx(t), sim.ApprovedProceduresFolderID, ListOptions{Sort: "desc_colour"})
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || re.StatusCode != 500 {
		t.Errorf("unknown column: %v", err)
	}
	if n := e.sim.Requests() - before; n != 1 {
		t.Errorf("unknown column took %d requests; a definite answer is not retried", n)
	}
}
