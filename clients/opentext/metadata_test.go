package opentext

import (
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	sim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

func TestCategoryDefinition(t *testing.T) {
	e := newEnv(t, sim.Options{})
	def, err := e.c.CategoryDefinition(ctx(t), sim.PoliciesFolderID, sim.ConfluencePageCategoryID)
	if err != nil {
		t.Fatal(err)
	}
	if def.Name != "Confluence Page" || len(def.Attributes) != 12 {
		t.Fatalf("def = %+v", def)
	}
	byKey := map[string]AttributeDef{}
	for _, a := range def.Attributes {
		byKey[a.Key] = a
	}
	if a := byKey["9001_8"]; a.Name != "Source Page ID" || !a.Required || a.Type != "String" || a.MaxLength == 0 {
		t.Errorf("9001_8 = %+v", a)
	}
	if a := byKey["9001_9"]; a.Type != "Integer" || a.Required {
		t.Errorf("9001_9 = %+v", a)
	}
	if a := byKey["9001_11"]; a.Type != "Date" || a.Name != "Approval Date" {
		t.Errorf("9001_11 = %+v", a)
	}
	if def.Attributes[0].Key != "9001_2" || def.Attributes[11].Key != "9001_13" {
		t.Errorf("order: first %s last %s", def.Attributes[0].Key, def.Attributes[11].Key)
	}
}

func TestCategoryApplyUpdateAndValidation(t *testing.T) {
	e := newEnv(t, sim.Options{})
	d, err := e.c.CreateDocument(ctx(t), CreateDocumentRequest{ParentID: sim.PoliciesFolderID, Name: "Cat.txt", File: bytesUpload("Cat.txt", "c", nil),
		Categories: map[string]any{"9001_1": map[string]any{}, "9001_2": "Apollo", "9001_8": "12345", "9001_9": 3, "9001_11": "2026-02-01"}})
	if err != nil {
		t.Fatal(err)
	}
	vals, err := e.c.CategoryValues(ctx(t), d.ID, sim.ConfluencePageCategoryID)
	if err != nil {
		t.Fatal(err)
	}
	if vals["9001_2"] != "Apollo" || vals["9001_9"] != int64(3) || vals["9001_11"] != "2026-02-01T00:00:00" || vals["9001_3"] != nil {
		t.Errorf("values = %#v", vals)
	}
	if err := e.c.UpdateCategory(ctx(t), d.ID, sim.ConfluencePageCategoryID, map[string]any{"9001_9": "4", "9001_6": "Approved"}); err != nil {
		t.Fatal(err)
	}
	got, _ := e.sim.CategoryValues(d.ID, sim.ConfluencePageCategoryID)
	if got["9001_9"] != int64(4) || got["9001_6"] != "Approved" || got["9001_2"] != "Apollo" {
		t.Errorf("after update = %#v", got)
	}
	for _, tc := range []struct {
		vals map[string]any
		want string
	}{
		{map[string]any{"9001_9": "four"}, "Source Version"},
		{map[string]any{"9001_11": "next tuesday"}, "Approval Date"},
		{map[string]any{"9001_8": ""}, "Source Page ID"},
		{map[string]any{"9001_99": "x"}, "non-matching attribute ('9001_99')"},
	} {
		err := e.c.UpdateCategory(ctx(t), d.ID, sim.ConfluencePageCategoryID, tc.vals)
		re := restErr(t, err)
		if re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, tc.want) {
			t.Errorf("update %v: %+v, want message naming %q", tc.vals, re, tc.want)
		}
	}
	if got2, _ := e.sim.CategoryValues(d.ID, sim.ConfluencePageCategoryID); got2["9001_9"] != int64(4) {
		t.Errorf("a rejected update changed values: %#v", got2)
	}

	// Apply to a document created without the category.
	plain, err := e.c.CreateDocument(ctx(t), CreateDocumentRequest{ParentID: sim.PoliciesFolderID, Name: "Plain.txt", File: bytesUpload("Plain.txt", "p", nil)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.c.CategoryValues(ctx(t), plain.ID, sim.ConfluencePageCategoryID)
	if k := restErr(t, err).Kind; k != rest.KindNotFound {
		t.Errorf("values of unapplied category: kind %s (%v)", k, err)
	}
	err = e.c.ApplyCategory(ctx(t), plain.ID, sim.ConfluencePageCategoryID, map[string]any{"9001_2": "x"})
	if re := restErr(t, err); !strings.Contains(re.Message, "Source Page ID") {
		t.Errorf("apply without required: %+v", re)
	}
	if err := e.c.ApplyCategory(ctx(t), plain.ID, sim.ConfluencePageCategoryID, map[string]any{"9001_8": "77", "9001_9": 1}); err != nil {
		t.Fatal(err)
	}
	if v, ok := e.sim.CategoryValues(plain.ID, sim.ConfluencePageCategoryID); !ok || v["9001_8"] != "77" {
		t.Errorf("applied values = %#v", v)
	}
	err = e.c.ApplyCategory(ctx(t), plain.ID, sim.ConfluencePageCategoryID, map[string]any{"9001_8": "77"})
	if re := restErr(t, err); re.StatusCode != 400 || !strings.Contains(re.Message, "The attribute group 'Confluence Page' already exists") {
		t.Errorf("apply twice: %+v", re)
	}
	// Creating with an invalid category value creates nothing.
	_, err = e.c.CreateDocument(ctx(t), CreateDocumentRequest{ParentID: sim.PoliciesFolderID, Name: "Bad.txt", File: bytesUpload("Bad.txt", "b", nil),
		Categories: map[string]any{"9001_8": "1", "9001_9": 1.5}})
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, "Source Version") {
		t.Errorf("create with bad value: %+v", re)
	}
	if _, ok := e.sim.FindPath(sim.PoliciesFolderID, "Bad.txt"); ok {
		t.Error("document created despite invalid category values")
	}
}

func TestRMClassificationAndTokenRotation(t *testing.T) {
	e := newEnv(t, sim.Options{})
	d := mustDoc(t, e, sim.PoliciesFolderID, "Rec.txt", "r")
	st, err := e.c.RMClassifications(ctx(t), d.ID)
	if err != nil || len(st.Classifications) != 0 {
		t.Fatalf("initial = %+v, %v", st, err)
	}
	applied, err := e.c.ApplyRMClassification(ctx(t), d.ID, RMClassifyRequest{ClassID: sim.RMPoliciesClassID, Official: true, Status: "ACTIVE", RecordDate: "2026-03-01", MetadataToken: st.MetadataToken})
	if err != nil {
		t.Fatal(err)
	}
	// The answer is the node's classifications, as the GET reports them.
	if len(applied.Classifications) != 1 || applied.Classifications[0].ClassID != sim.RMPoliciesClassID || applied.Classifications[0].Name != "POL-01 Policies and Procedures" {
		t.Errorf("apply answered %+v", applied)
	}
	st2, err := e.c.RMClassifications(ctx(t), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(st2.Classifications) != 1 {
		t.Fatalf("after apply = %+v", st2)
	}
	c := st2.Classifications[0]
	if c.ClassID != sim.RMPoliciesClassID || c.FileNumber != "POL-01" || !c.Official || c.Status != "ACTIVE" || !strings.HasPrefix(c.RecordDate, "2026-03-01") || c.Name != "POL-01 Policies and Procedures" {
		t.Errorf("record = %+v", c)
	}
	if st2.MetadataToken == "" || st2.MetadataToken == st.MetadataToken {
		t.Errorf("token not rotated: %q -> %q", st.MetadataToken, st2.MetadataToken)
	}
	// Changing without the current token is refused.
	_, err = e.c.ApplyRMClassification(ctx(t), d.ID, RMClassifyRequest{ClassID: sim.RMMeetingsClassID, MetadataToken: "stale"})
	if re := restErr(t, err); re.StatusCode != 400 || re.Kind != rest.KindBadRequest {
		t.Errorf("stale token: %+v", re)
	}
	if _, err := e.c.ApplyRMClassification(ctx(t), d.ID, RMClassifyRequest{ClassID: sim.RMMeetingsClassID, Status: "CLOSED", MetadataToken: st2.MetadataToken}); err != nil {
		t.Fatal(err)
	}
	recs := e.sim.RMClassifications(d.ID)
	if len(recs) != 1 || recs[0].ClassID != sim.RMMeetingsClassID || recs[0].FileNumber != "MTG-01" || recs[0].Status != "CLOSED" {
		t.Errorf("simulator records = %+v", recs)
	}
}

func TestHoldsBlockNewVersions(t *testing.T) {
	e := newEnv(t, sim.Options{})
	d := mustDoc(t, e, sim.RecordsFolderID, "Held.txt", "h")
	holds, err := e.c.NodeHolds(ctx(t), d.ID)
	if err != nil || len(holds) != 0 {
		t.Fatalf("holds = %+v, %v", holds, err)
	}
	if err := e.sim.ApplyHold(d.ID, sim.LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	holds, err = e.c.NodeHolds(ctx(t), d.ID)
	if err != nil || len(holds) != 1 || holds[0].ID != sim.LitigationHoldID || holds[0].Name != "Litigation Hold 2026-01" || holds[0].Type != "Legal" || !holds[0].Active {
		t.Fatalf("holds = %+v, %v", holds, err)
	}
	_, err = e.c.AddVersion(ctx(t), d.ID, bytesUpload("Held.txt", "h2", nil), "")
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, "Litigation Hold 2026-01") {
		t.Errorf("add version under hold: %+v", re)
	}
	if n := len(e.sim.Versions(d.ID)); n != 1 {
		t.Errorf("versions = %d", n)
	}
}

func TestNicknames(t *testing.T) {
	e := newEnv(t, sim.Options{})
	a := mustDoc(t, e, sim.PoliciesFolderID, "A.txt", "a")
	b := mustDoc(t, e, sim.PoliciesFolderID, "B.txt", "b")
	if err := e.c.SetNickname(ctx(t), a.ID, "confluence_page_123"); err != nil {
		t.Fatal(err)
	}
	n, err := e.c.NodeByNickname(ctx(t), "confluence_page_123")
	if err != nil || n.ID != a.ID || n.Name != "A.txt" {
		t.Fatalf("NodeByNickname = %+v, %v", n, err)
	}
	if err := e.c.SetNickname(ctx(t), a.ID, "confluence_page_123"); err != nil {
		t.Errorf("re-setting own nickname: %v", err)
	}
	err = e.c.SetNickname(ctx(t), b.ID, "confluence_page_123")
	if re := restErr(t, err); re.StatusCode != 400 || !strings.Contains(re.Message, "already in use") {
		t.Errorf("nickname in use: %+v", re)
	}
	_, err = e.c.NodeByNickname(ctx(t), "no_such_nick")
	if k := restErr(t, err).Kind; k != rest.KindNotFound {
		t.Errorf("unknown nickname kind = %s", k)
	}
	if sn, ok := e.sim.NodeByNickname("CONFLUENCE_PAGE_123"); !ok || sn.ID != a.ID {
		t.Errorf("simulator nickname = %+v %v", sn, ok)
	}
}
