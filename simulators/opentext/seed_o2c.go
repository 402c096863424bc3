package opentext

import (
	"fmt"
	"strings"
	"time"
)

// The "OpenText → Confluence" part of the demo seed: documents that live
// in Content Server first and are synced to Confluence pages. Every time
// is fixed and every modify date differs, so a browse sorted by
// modify_date gives the same order on every run.

// ProjectWorkspaceType is the seeded workspace type "Project".
const ProjectWorkspaceType = "Project"

// at is a fixed time in January 2026, after seedTime.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 1, day, hour, minute, 0, 0, time.UTC)
}

// seedVersion is one version of a seeded document.
type seedVersion struct {
	major bool
	desc  string
	at    time.Time
}

// seedDoc is a seeded PDF with its Document Control values (by attribute
// name; absent attributes stay unset).
type seedDoc struct {
	id       int64
	parent   int64
	name     string
	advanced bool
	versions []seedVersion
	values   map[string]any
	acl      *acl // nil: inherited from the parent
}

func (s *Server) seedO2C() error {
	s.seedCategory(DocumentControlCategoryID, "Document Control", []seedAttr{
		{2, "Document Type", "String", false, 254},
		{3, "Owner", "String", false, 254},
		{4, "Approval Status", "String", false, 64},
		{5, "Approved By", "String", false, 254},
		{6, "Confluence Page", "String", false, 2000},
	})
	folder := &node{id: ApprovedProceduresFolderID, parentID: ControlledDocumentsID, name: "Approved Procedures", typ: typeFolder,
		created: seedTime, modified: seedTime, createUser: AdminUserID, cats: map[int64]*appliedCat{}, advanced: true}
	s.addNode(folder)
	ws := &node{id: ProjectApolloWorkspaceID, parentID: ControlledDocumentsID, name: "Project Apollo", typ: typeBusinessWorkspace,
		created: at(8, 8, 0), modified: at(8, 8, 0), createUser: AdminUserID, cats: map[int64]*appliedCat{},
		wksp: &workspace{typeID: ProjectWorkspaceTypeID, typeName: ProjectWorkspaceType,
			refs: []BusinessObjectRef{{ExternalSystemID: "SAP", Type: "PROJECT", ID: "APOLLO"}}}}
	s.addNode(ws)

	sop := "Standard Operating Procedure"
	for _, d := range []seedDoc{
		{SOPIncidentResponseID, ApprovedProceduresFolderID, "SOP-001 Incident Response.pdf", true,
			[]seedVersion{{true, "Approved for release", at(6, 10, 0)}, {false, "Draft: escalation contacts updated", at(12, 14, 30)}},
			map[string]any{"Document Type": sop, "Owner": "Quality Management", "Approval Status": "Approved", "Approved By": "reviewer1"}, nil},
		{SOPChangeManagementID, ApprovedProceduresFolderID, "SOP-002 Change Management.pdf", true,
			[]seedVersion{{true, "Approved for release", at(7, 11, 0)}, {true, "Second edition, approved", at(14, 16, 0)}},
			map[string]any{"Document Type": sop, "Owner": "IT Operations", "Approval Status": "Approved", "Approved By": "reviewer2"}, nil},
		{SOPAccessReviewID, ApprovedProceduresFolderID, "SOP-003 Access Review.pdf", true,
			[]seedVersion{{false, "First draft", at(15, 9, 30)}},
			map[string]any{"Document Type": sop, "Owner": "Information Security", "Approval Status": "Draft"}, nil},
		{ApolloAgreementID, ProjectApolloWorkspaceID, "Apollo Master Services Agreement.pdf", false,
			[]seedVersion{{false, "Executed agreement", at(9, 13, 0)}},
			map[string]any{"Document Type": "Contract", "Owner": "Project Office", "Approval Status": "Approved", "Approved By": "reviewer1"}, nil},
		{ApolloBudgetApprovalID, ProjectApolloWorkspaceID, "Apollo Budget Approval (signed).pdf", false,
			[]seedVersion{{false, "Signed by the steering committee", at(10, 15, 45)}},
			map[string]any{"Document Type": "Signed Approval", "Owner": "Finance", "Approval Status": "Approved", "Approved By": "reviewer2"}, nil},
		// Readable by Legal only: no public access, no owner or owner
		// group entry, Legal may see and open it (permissions follow the
		// content: its page is restricted to the legal group).
		{LegalHoldProcedureID, ApprovedProceduresFolderID, "LEG-001 Legal Hold Procedure.pdf", true,
			[]seedVersion{{true, "Approved by General Counsel", at(15, 12, 0)}},
			map[string]any{"Document Type": sop, "Owner": "Legal", "Approval Status": "Approved", "Approved By": "reviewer1"},
			&acl{noOwner: true, noGroup: true, noPublic: true, custom: []aclEntry{{rightID: LegalGroupID, perms: permSee | permSeeContents}}}},
	} {
		if err := s.seedDocument(d); err != nil {
			return err
		}
	}
	return s.seedTemplates()
}

// seedAttr is one attribute of a seeded category.
type seedAttr struct {
	id       int
	name     string
	typ      string
	required bool
	maxLen   int
}

// seedCategory adds a category definition (131) to the Categories volume.
func (s *Server) seedCategory(id int64, name string, attrs []seedAttr) {
	def := &categoryDef{id: id, name: name}
	for _, a := range attrs {
		def.attrs = append(def.attrs, attrDef{id: a.id, key: attrKey(id, a.id), name: a.name, typeName: a.typ,
			required: a.required, maxLength: a.maxLen})
	}
	s.addNode(&node{id: id, parentID: CategoriesVolumeID, name: name, typ: typeCategory, created: seedTime, modified: seedTime,
		createUser: AdminUserID, cats: map[int64]*appliedCat{}, catDef: def})
}

// seedDocument adds one PDF: created with its first version, last
// modified with its last; the Document Control values come with the
// first version.
func (s *Server) seedDocument(d seedDoc) error {
	first, last := d.versions[0].at, d.versions[len(d.versions)-1].at
	n := &node{id: d.id, parentID: d.parent, name: d.name, typ: typeDocument, created: first, modified: last,
		createUser: AdminUserID, cats: map[int64]*appliedCat{}, advanced: d.advanced, acl: d.acl}
	if n.acl != nil {
		n.acl.owner.rightID, n.acl.group.rightID = AdminUserID, DefaultGroupID
	}
	for i, sv := range d.versions {
		v, err := s.blobVersion(d.name, "application/pdf", demoPDF(fmt.Sprintf("%s, version %d: %s", strings.TrimSuffix(d.name, ".pdf"), i+1, sv.desc)),
			sv.major, sv.at, AdminUserID)
		if err != nil {
			return err
		}
		v.description = sv.desc
		n.appendVersion(v)
	}
	def := s.nodes[DocumentControlCategoryID].catDef
	values := map[string]any{}
	for _, a := range def.attrs {
		values[a.key] = d.values[a.name]
	}
	n.cats[def.id] = &appliedCat{values: values, token: newToken(16)}
	n.catOrder = []int64{def.id}
	s.addNode(n)
	return nil
}

// demoPDF is a one-page PDF showing text, with a correct cross-reference
// table, so viewers and converters accept the seeded documents.
func demoPDF(text string) []byte {
	text = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(text)
	stream := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return []byte(b.String())
}
