package opentext

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestSeedTemplates(t *testing.T) {
	w := newWire(t, Options{})
	other := newWire(t, Options{})
	for _, f := range []struct {
		id, parent int64
		name       string
	}{{TemplatesFolderID, ControlledDocumentsID, "Templates"}, {ApprovedTemplatesFolderID, TemplatesFolderID, "Approved"}} {
		if n, ok := w.s.Node(f.id); !ok || n.ParentID != f.parent || n.Name != f.name || n.Type != typeFolder || !n.Advanced {
			t.Errorf("folder %d: %+v", f.id, n)
		}
	}
	if n, ok := w.s.FindPath(EnterpriseWorkspaceID, "Controlled Documents", "Templates", "Approved", "Policy Template.docx"); !ok || n.ID != PolicyTemplateID {
		t.Errorf("path lookup: %+v", n)
	}
	modified := map[string]int64{}
	for _, tc := range []struct {
		id       int64
		name     string
		mimeType string
		versions []string
		prefix   string
	}{
		{PolicyTemplateID, "Policy Template.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{"1.0"}, "PK\x03\x04"},
		{SOPTemplateID, "SOP Template.md", "text/markdown", []string{"1.0"}, "# SOP Template\n"},
		{ChecklistTemplateID, "Compliance Checklist.pdf", "application/pdf", []string{"1.0"}, "%PDF-1.4\n"},
		{CharterTemplateID, "Project Charter.md", "text/markdown", []string{"1.0", "1.1"}, "# Project Charter\n"},
	} {
		n, ok := w.s.Node(tc.id)
		if !ok || n.Name != tc.name || n.ParentID != ApprovedTemplatesFolderID || n.MimeType != tc.mimeType || !n.Advanced || len(n.Categories) != 0 {
			t.Errorf("%d: %+v", tc.id, n)
			continue
		}
		if prev, dup := modified[n.ModifyDate.String()]; dup {
			t.Errorf("%d and %d share modify date %v", prev, tc.id, n.ModifyDate)
		}
		modified[n.ModifyDate.String()] = tc.id
		var names []string
		vs := w.s.Versions(tc.id)
		for _, v := range vs {
			names = append(names, v.Name)
			b, err := os.ReadFile(v.BlobPath)
			if err != nil || !strings.HasPrefix(string(b), tc.prefix) || int64(len(b)) != v.Size {
				t.Errorf("%d v%s content: %v", tc.id, v.Name, err)
			}
		}
		if !reflect.DeepEqual(names, tc.versions) || !vs[0].Major {
			t.Errorf("%d versions %v (first major %v), want %v", tc.id, names, vs[0].Major, tc.versions)
		}
		if !n.ModifyDate.Equal(vs[len(vs)-1].CreateDate) || !n.CreateDate.Equal(vs[0].CreateDate) {
			t.Errorf("%d dates %v/%v vs versions", tc.id, n.CreateDate, n.ModifyDate)
		}
		// Deterministic: a second server holds the same bytes and dates.
		o, _ := other.s.Node(tc.id)
		ovs := other.s.Versions(tc.id)
		if !o.ModifyDate.Equal(n.ModifyDate) || len(ovs) != len(vs) || ovs[len(ovs)-1].SHA256 != vs[len(vs)-1].SHA256 {
			t.Errorf("%d differs between runs", tc.id)
		}
	}
	// The charter's 1.1 is a newer minor draft with different content.
	vs := w.s.Versions(CharterTemplateID)
	if vs[1].Major || !vs[1].CreateDate.After(vs[0].CreateDate) || vs[0].SHA256 == vs[1].SHA256 {
		t.Errorf("charter versions: %+v", vs)
	}
	// Served over REST as stored.
	r := w.get(fmt.Sprintf("/api/v2/nodes/%d/content", PolicyTemplateID))
	if r.status != 200 || !bytes.Equal([]byte(r.body), PolicyTemplateDOCX()) {
		t.Errorf("content: %d, %d bytes", r.status, len(r.body))
	}
	r = w.get(fmt.Sprintf("/api/v2/nodes/%d/versions/1/content", CharterTemplateID))
	if r.status != 200 || r.body != charterTemplateMD {
		t.Errorf("charter 1.0 content: %d %q", r.status, r.body)
	}
}
