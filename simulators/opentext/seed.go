package opentext

import (
	"strconv"
	"time"
)

// seedTime is the fixed creation time of seeded nodes, so seeded state is
// identical from run to run.
var seedTime = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// seed loads the demo data documented in the package comment.
func (s *Server) seed() error {
	mk := func(id, parent int64, name string, typ int) *node {
		n := &node{id: id, parentID: parent, name: name, typ: typ, created: seedTime, modified: seedTime,
			createUser: AdminUserID, cats: map[int64]*appliedCat{}}
		s.addNode(n)
		return n
	}
	mk(EnterpriseWorkspaceID, -1, "Enterprise Workspace", typeEnterprise)
	mk(CategoriesVolumeID, -1, "Categories", typeCategoriesVolume)
	mk(RMClassificationVolumeID, -1, "Classifications", typeClassVolume)
	mk(ControlledDocumentsID, EnterpriseWorkspaceID, "Controlled Documents", typeFolder)
	mk(PoliciesFolderID, ControlledDocumentsID, "Policies", typeFolder)
	mk(RecordsFolderID, EnterpriseWorkspaceID, "Records", typeFolder)
	mk(MeetingNotesFolderID, RecordsFolderID, "Meeting Notes", typeFolder)

	s.seedCategory(ConfluencePageCategoryID, "Confluence Page", []seedAttr{
		{2, "Project", "String", false, 254},
		{3, "Department", "String", false, 254},
		{4, "Document Type", "String", false, 254},
		{5, "Owner", "String", false, 254},
		{6, "Approval Status", "String", false, 64},
		{7, "Retention Category", "String", false, 64},
		{8, "Source Page ID", "String", true, 64},
		{9, "Source Version", "Integer", false, 0},
		{10, "Approved By", "String", false, 254},
		{11, "Approval Date", "Date", false, 0},
		{12, "SHA-256", "String", false, 64},
		{13, "Source URL", "String", false, 2000},
	})

	pol := mk(RMPoliciesClassID, RMClassificationVolumeID, "POL-01 Policies and Procedures", typeRMClassification)
	pol.fileNumber = "POL-01"
	mtg := mk(RMMeetingsClassID, RMClassificationVolumeID, "MTG-01 Meeting Records", typeRMClassification)
	mtg.fileNumber = "MTG-01"

	mk(WorkflowVolumeID, -1, "Workflow Volume", typeWorkflowVolume)
	mk(WorkflowMapsFolderID, EnterpriseWorkspaceID, "Workflow Maps", typeFolder)
	for _, m := range []struct {
		id     int64
		name   string
		steps  []wfStep
		broken bool
	}{
		{DocumentApprovalMapID, "Document Approval", []wfStep{{name: "Review", assignee: "reviewer1"}}, false},
		{TwoStepApprovalMapID, "Two-Step Approval", []wfStep{{name: "Review", assignee: "reviewer1"}, {name: "Sign-off", assignee: "reviewer2"}}, false},
		{BrokenMapID, "Broken Map", nil, true},
	} {
		mk(m.id, WorkflowMapsFolderID, m.name, typeWorkflowMap)
		for i := range m.steps {
			m.steps[i].dueIn = 3 * 24 * time.Hour
		}
		s.wfMaps[m.id] = &wfMap{id: m.id, steps: m.steps, customActions: []string{"Approve", "Reject"}, broken: m.broken}
	}

	s.holds[LitigationHoldID] = &hold{id: LitigationHoldID, name: "Litigation Hold 2026-01", typ: "Legal", comment: "Seeded demo hold", active: true}
	return s.seedO2C()
}

func attrKey(cat int64, attr int) string {
	return strconv.FormatInt(cat, 10) + "_" + strconv.Itoa(attr)
}
