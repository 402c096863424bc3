package mapping

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const documentsSection = `
documents:
  space: DOCS
  parent: Controlled documents
  bridge_account: "557058:bridge"
  editors_group: confluence-users
  back_link: {category: 9002, attribute: Confluence Page}
  watch:
    - name: Approved Procedures
      folder: 2100
      approved: major
      show: {category: 9002, attributes: [Document Type, Owner, Approved By]}
      preview: true
    - name: Project Apollo
      workspace: {system: SAP, type: PROJECT, id: APOLLO}
      approved: {attribute: Approval Status, equals: Approved}
      show: {category: 9002, attributes: [Document Type]}
      connect: APOLLO
      group_by: Document Type
`

func TestParseDocuments(t *testing.T) {
	r, err := Parse("m.yaml", []byte(valid+documentsSection))
	if err != nil {
		t.Fatal(err)
	}
	d := r.Documents
	if d == nil || d.Space != "DOCS" || d.Archive != DefaultArchive || len(d.Watches) != 2 {
		t.Fatalf("documents = %+v", d)
	}
	proc, apollo := d.Watches[0], d.Watches[1]
	if proc.Folder != 2100 || proc.Approved.Kind != ApprovedMajor || !proc.Preview || proc.Show.Owner != "Owner" || proc.Show.ApprovedBy != "Approved By" {
		t.Errorf("procedures watch = %+v", proc)
	}
	if apollo.Workspace == nil || apollo.Workspace.System != "SAP" || apollo.Approved.Kind != ApprovedAttribute ||
		apollo.Approved.Category != 9002 || apollo.Approved.Equals != "Approved" || apollo.Connect != "APOLLO" {
		t.Errorf("apollo watch = %+v", apollo)
	}
	if got := strings.Join(r.ReferenceSpaces(), ","); got != "POL,APOLLO" {
		t.Errorf("reference spaces = %s", got)
	}
}

func TestParseDocumentsErrors(t *testing.T) {
	bad := `
documents:
  space: DOCS
  watch:
    - name: A
      folder: 2100
      workspace: 2300
    - name: a
      approved: newest
    - name: C
      folder: 2100
      approved: {attribute: Approval Status}
      connect: X
`
	_, err := Parse("m.yaml", []byte(valid+bad))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{
		"documents.bridge_account: is required",
		"documents.watch[0]: names both folder: and workspace:",
		`unknown rule "newest"`,
		`watch "a" is named twice`,
		"documents.watch[1]: needs folder:",
		"an attribute rule needs attribute: and equals:",
		"only a business workspace can be connected",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	for _, e := range errs {
		if e.Line == 0 || e.File != "m.yaml" {
			t.Errorf("error without file:line: %+v", e)
		}
	}
}

type fakeOTCS struct {
	subtypes   map[int64]int
	workspaces map[string]int64
}

func (f fakeOTCS) Subtype(_ context.Context, id int64) (int, bool, error) {
	t, ok := f.subtypes[id]
	return t, ok, nil
}

func (f fakeOTCS) WorkspaceID(_ context.Context, ref WorkspaceRef) (int64, error) {
	return f.workspaces[ref.System+"/"+ref.Type+"/"+ref.ObjectID], nil
}

func (f fakeOTCS) CategoryDefinition(_ context.Context, id int64) (*CategoryInfo, error) {
	return &CategoryInfo{ID: id, Name: "Document Control", Attributes: []AttributeInfo{
		{Name: "Document Type"}, {Name: "Owner"}, {Name: "Approval Status"}, {Name: "Approved By"}, {Name: "Confluence Page"}}}, nil
}

func TestCheckDocuments(t *testing.T) {
	r, err := Parse("m.yaml", []byte(valid+documentsSection))
	if err != nil {
		t.Fatal(err)
	}
	src := fakeOTCS{subtypes: map[int64]int{2100: 0, 2300: 848}, workspaces: map[string]int64{"SAP/PROJECT/APOLLO": 2300}}
	if err := r.CheckDocuments(context.Background(), src, src); err != nil {
		t.Fatal(err)
	}
	if r.Documents.Watches[1].Workspace.ID != 2300 {
		t.Errorf("workspace id not resolved: %+v", r.Documents.Watches[1].Workspace)
	}

	r, _ = Parse("m.yaml", []byte(valid+strings.Replace(documentsSection, "folder: 2100", "folder: 2999", 1)))
	err = r.CheckDocuments(context.Background(), fakeOTCS{subtypes: map[int64]int{}}, src)
	if err == nil || !strings.Contains(err.Error(), `documents.watch[0].folder: watch "Approved Procedures": node 2999 does not exist`) ||
		!strings.Contains(err.Error(), "no business workspace in OTCS for workspace SAP/PROJECT/APOLLO") {
		t.Fatalf("err = %v", err)
	}
}
