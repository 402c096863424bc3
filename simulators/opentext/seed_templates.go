package opentext

import "time"

// The "Templates" part of the demo seed: approved template documents in
// each format the bridge converts into Confluence pages (DOCX, Markdown)
// or attaches unconverted (PDF). They sit under Controlled Documents
// because the Enterprise Workspace must keep exactly three children.

// seedTemplate is one seeded template document; every version is a
// (content, major, description, time) tuple, oldest first.
type seedTemplate struct {
	id       int64
	name     string
	mimeType string
	versions []templateVersion
}

// templateVersion is one version of a seeded template.
type templateVersion struct {
	data  []byte
	major bool
	desc  string
	at    time.Time
}

func (s *Server) seedTemplates() error {
	for _, f := range []struct {
		id, parent int64
		name       string
		at         time.Time
	}{
		{TemplatesFolderID, ControlledDocumentsID, "Templates", at(16, 8, 0)},
		{ApprovedTemplatesFolderID, TemplatesFolderID, "Approved", at(16, 8, 30)},
	} {
		// Both folders default new documents to advanced versioning, like
		// Approved Procedures: templates are released as major versions.
		s.addNode(&node{id: f.id, parentID: f.parent, name: f.name, typ: typeFolder, created: f.at, modified: f.at,
			createUser: AdminUserID, cats: map[int64]*appliedCat{}, advanced: true})
	}
	md := "text/markdown"
	for _, t := range []seedTemplate{
		{PolicyTemplateID, "Policy Template.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			[]templateVersion{{PolicyTemplateDOCX(), true, "Approved template", at(16, 10, 0)}}},
		{SOPTemplateID, "SOP Template.md", md,
			[]templateVersion{{[]byte(sopTemplateMD), true, "Approved template", at(16, 11, 15)}}},
		{ChecklistTemplateID, "Compliance Checklist.pdf", "application/pdf",
			[]templateVersion{{demoPDF("Compliance Checklist: owner, evidence, review date, sign-off"), true, "Approved template", at(17, 9, 0)}}},
		{CharterTemplateID, "Project Charter.md", md, []templateVersion{
			{[]byte(charterTemplateMD), true, "Approved template", at(18, 14, 0)},
			{[]byte(charterTemplateDraftMD), false, "Draft: budget and risks sections added", at(20, 10, 30)},
		}},
	} {
		if err := s.seedTemplate(t); err != nil {
			return err
		}
	}
	return nil
}

// seedTemplate adds one advanced-versioning document under Approved:
// created with its first version, last modified with its last.
func (s *Server) seedTemplate(t seedTemplate) error {
	first, last := t.versions[0].at, t.versions[len(t.versions)-1].at
	n := &node{id: t.id, parentID: ApprovedTemplatesFolderID, name: t.name, typ: typeDocument, created: first, modified: last,
		createUser: AdminUserID, cats: map[int64]*appliedCat{}, advanced: true}
	for _, tv := range t.versions {
		v, err := s.blobVersion(t.name, t.mimeType, tv.data, tv.major, tv.at, AdminUserID)
		if err != nil {
			return err
		}
		v.description = tv.desc
		n.appendVersion(v)
	}
	s.addNode(n)
	return nil
}

const sopTemplateMD = `# SOP Template

**Purpose:** describe how a recurring task is done, step by step.

## Procedure

1. Open a ticket in the service desk.
2. Record the change in the [change log](https://example.com/changes).
3. Ask the owner for written approval.

## Responsibilities

| Role     | Task                   | Deadline |
|----------|------------------------|----------|
| Owner    | Approves the procedure | 5 days   |
| Operator | Carries out each step  | Same day |

Related records:

- Incident reports
- Audit findings
`

const charterTemplateMD = `# Project Charter

## Objectives

- What the project delivers
- How success is measured

## Sponsor and team

| Role    | Name |
|---------|------|
| Sponsor |      |
| Lead    |      |
`

// charterTemplateDraftMD is the 1.1 draft: the approved 1.0 plus budget
// and risk sections, so "latest" and "latest approved" differ in content.
const charterTemplateDraftMD = charterTemplateMD + `
## Budget

State the approved budget and who may change it.

## Risks

1. Name each risk.
2. Name its owner and mitigation.
`
