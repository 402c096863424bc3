package opentext

import (
	"strings"
	"testing"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	sim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// clientAs returns a client logged in as another simulator user.
func (e *env) clientAs(t *testing.T, user, password string) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: e.ts.URL + "/otcs/cs.exe", Username: user, Password: password,
		Retry: rest.RetryConfig{Max: 2, WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startProcess runs draft → formUpdate → initiate for one document.
func startProcess(t *testing.T, e *env, mapID, docID int64) int64 {
	t.Helper()
	draft, err := e.c.CreateDraftProcess(ctx(t), mapID, []int64{docID})
	if err != nil {
		t.Fatalf("CreateDraftProcess: %v", err)
	}
	if err := e.c.UpdateDraftProcess(ctx(t), draft, map[string]any{"WorkflowForm_Title": "Approve doc"}); err != nil {
		t.Fatalf("UpdateDraftProcess: %v", err)
	}
	pid, err := e.c.InitiateDraftProcess(ctx(t), draft, "please review")
	if err != nil {
		t.Fatalf("InitiateDraftProcess: %v", err)
	}
	if pid == 0 || pid == draft {
		t.Fatalf("process id %d (draft %d)", pid, draft)
	}
	return pid
}

func TestDocumentWorkflows(t *testing.T) {
	e := newEnv(t, sim.Options{})
	d := mustDoc(t, e, sim.PoliciesFolderID, "wf.txt", "x")
	maps, err := e.c.DocumentWorkflows(ctx(t), d.ID, sim.PoliciesFolderID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, m := range maps {
		got[m.ID] = m.Name
	}
	if len(maps) != 3 || got[sim.DocumentApprovalMapID] != "Document Approval" || got[sim.TwoStepApprovalMapID] != "Two-Step Approval" || got[sim.BrokenMapID] != "Broken Map" {
		t.Errorf("maps = %+v", maps)
	}
	_, err = e.c.DocumentWorkflows(ctx(t), 999999, 0)
	if k := restErr(t, err).Kind; k != rest.KindNotFound {
		t.Errorf("unknown doc: kind %s (%v)", k, err)
	}
}

func TestWorkflowApprovePath(t *testing.T) {
	e := newEnv(t, sim.Options{})
	d := mustDoc(t, e, sim.PoliciesFolderID, "approve.txt", "x")
	pid := startProcess(t, e, sim.DocumentApprovalMapID, d.ID)

	st, err := e.c.ProcessStatus(ctx(t), pid)
	if err != nil {
		t.Fatal(err)
	}
	if st.ProcessID != pid || st.Status != ProcessOnTime || st.Name != "Approve doc" || len(st.Current) != 1 || len(st.Completed) != 0 {
		t.Fatalf("status after initiate = %+v", st)
	}
	cur := st.Current[0]
	if cur.Name != "Review" || cur.SubprocessID != pid || cur.TaskID == 0 || len(cur.Assignees) != 1 || cur.Assignees[0] != "reviewer1" || cur.DueDate.IsZero() {
		t.Fatalf("current step = %+v", cur)
	}

	reviewer := e.clientAs(t, "reviewer1", "reviewer1-pw")
	if err := reviewer.SendTask(ctx(t), cur.ProcessID, cur.SubprocessID, cur.TaskID, "Approve", "looks good"); err != nil {
		t.Fatalf("SendTask as reviewer1: %v", err)
	}
	st, err = e.c.ProcessStatus(ctx(t), pid)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != ProcessCompleted || len(st.Current) != 0 || len(st.Completed) != 1 || st.Completed[0].Name != "Review" {
		t.Fatalf("status after approve = %+v", st)
	}
	acts, err := e.c.ProcessActivities(ctx(t), pid, pid)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 2 {
		t.Fatalf("activities = %+v", acts)
	}
	if a := acts[0]; a.Disposition != "" || a.UserID != sim.BridgeUserID || a.Comment != "please review" {
		t.Errorf("initiate activity = %+v", a)
	}
	if a := acts[1]; a.Disposition != "Approve" || a.UserID != sim.Reviewer1UserID || a.UserName != "reviewer1" || a.Comment != "looks good" || a.Date.IsZero() {
		t.Errorf("approve activity = %+v", a)
	}
	ps := e.sim.Processes()
	if len(ps) != 1 || ps[0].ID != pid || ps[0].MapID != sim.DocumentApprovalMapID || ps[0].Status != "completed" ||
		len(ps[0].DocIDs) != 1 || ps[0].DocIDs[0] != d.ID || ps[0].Values["WorkflowForm_Title"] != "Approve doc" {
		t.Errorf("sim processes = %+v", ps)
	}
	// The task is gone: acting again is refused.
	err = reviewer.SendTask(ctx(t), pid, pid, cur.TaskID, "Approve", "")
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, "completed") {
		t.Errorf("second approve: %+v", re)
	}
}

func TestWorkflowRejectPath(t *testing.T) {
	e := newEnv(t, sim.Options{})
	d := mustDoc(t, e, sim.PoliciesFolderID, "reject.txt", "x")
	pid := startProcess(t, e, sim.DocumentApprovalMapID, d.ID)
	st, err := e.c.ProcessStatus(ctx(t), pid)
	if err != nil {
		t.Fatal(err)
	}
	reviewer := e.clientAs(t, "reviewer1", "reviewer1-pw")
	if err := reviewer.SendTask(ctx(t), pid, pid, st.Current[0].TaskID, "Reject", "missing section 3"); err != nil {
		t.Fatal(err)
	}
	st, err = e.c.ProcessStatus(ctx(t), pid)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != ProcessCompleted || len(st.Current) != 0 {
		t.Fatalf("status after reject = %+v", st)
	}
	acts, err := e.c.ProcessActivities(ctx(t), pid, pid)
	if err != nil {
		t.Fatal(err)
	}
	if last := acts[len(acts)-1]; last.Disposition != "Reject" || last.Comment != "missing section 3" || last.UserName != "reviewer1" {
		t.Errorf("last activity = %+v", last)
	}
}

func TestWorkflowTwoStep(t *testing.T) {
	e := newEnv(t, sim.Options{})
	d := mustDoc(t, e, sim.PoliciesFolderID, "two.txt", "x")
	pid := startProcess(t, e, sim.TwoStepApprovalMapID, d.ID)
	r1 := e.clientAs(t, "reviewer1", "reviewer1-pw")
	r2 := e.clientAs(t, "reviewer2", "reviewer2-pw")

	st, _ := e.c.ProcessStatus(ctx(t), pid)
	if len(st.Current) != 1 || st.Current[0].Name != "Review" {
		t.Fatalf("step 1 = %+v", st)
	}
	// reviewer2 is not the assignee of the first step.
	err := r2.SendTask(ctx(t), pid, pid, st.Current[0].TaskID, "Approve", "")
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, "not assigned") {
		t.Errorf("reviewer2 on step 1: %+v", re)
	}
	if err := r1.SendTask(ctx(t), pid, pid, st.Current[0].TaskID, "Approve", "ok 1"); err != nil {
		t.Fatal(err)
	}
	st, _ = e.c.ProcessStatus(ctx(t), pid)
	if st.Status != ProcessOnTime || len(st.Current) != 1 || st.Current[0].Name != "Sign-off" || st.Current[0].Assignees[0] != "reviewer2" || len(st.Completed) != 1 {
		t.Fatalf("step 2 = %+v", st)
	}
	if err := r2.SendTask(ctx(t), pid, pid, st.Current[0].TaskID, "Approve", "ok 2"); err != nil {
		t.Fatal(err)
	}
	st, _ = e.c.ProcessStatus(ctx(t), pid)
	if st.Status != ProcessCompleted || len(st.Completed) != 2 {
		t.Fatalf("after step 2 = %+v", st)
	}
	acts, _ := e.c.ProcessActivities(ctx(t), pid, pid)
	var disp []string
	for _, a := range acts {
		if a.Disposition != "" {
			disp = append(disp, a.UserName+":"+a.Disposition)
		}
	}
	if strings.Join(disp, ",") != "reviewer1:Approve,reviewer2:Approve" {
		t.Errorf("dispositions = %v", disp)
	}

	// A Reject on the first step ends the two-step process at once.
	pid2 := startProcess(t, e, sim.TwoStepApprovalMapID, d.ID)
	if err := e.sim.ActOnTask(pid2, "reviewer1", "Reject", "no"); err != nil {
		t.Fatal(err)
	}
	st, _ = e.c.ProcessStatus(ctx(t), pid2)
	if st.Status != ProcessCompleted || len(st.Current) != 0 || len(st.Completed) != 1 {
		t.Errorf("two-step after reject = %+v", st)
	}
}

func TestWorkflowRefusals(t *testing.T) {
	e := newEnv(t, sim.Options{})
	d := mustDoc(t, e, sim.PoliciesFolderID, "refuse.txt", "x")
	pid := startProcess(t, e, sim.DocumentApprovalMapID, d.ID)
	st, _ := e.c.ProcessStatus(ctx(t), pid)
	task := st.Current[0].TaskID

	// The initiator is not the assignee.
	err := e.c.SendTask(ctx(t), pid, pid, task, "Approve", "")
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, "not assigned") {
		t.Errorf("non-assignee: %+v", re)
	}
	// The test hook refuses the same way.
	if err := e.sim.ActOnTask(pid, "reviewer2", "Approve", ""); err == nil || !strings.Contains(err.Error(), "not assigned") {
		t.Errorf("ActOnTask as reviewer2: %v", err)
	}
	// action and custom_action together.
	reviewer := e.clientAs(t, "reviewer1", "reviewer1-pw")
	form, _ := bodyForm(map[string]any{"action": "SendOn", "custom_action": "Approve"})
	err = reviewer.call(ctx(t), request{method: "PUT", path: "/api/v2/processes/" + itoa(pid) + "/subprocesses/" + itoa(pid) + "/tasks/" + itoa(task), form: form}, nil)
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || re.Message != "It is not allowed to execute an action and a custom action" {
		t.Errorf("action+custom_action: %+v", re)
	}
	// An unknown disposition.
	err = reviewer.SendTask(ctx(t), pid, pid, task, "Maybe", "")
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, "'Approve','Reject'") {
		t.Errorf("unknown custom action: %+v", re)
	}
	if st, _ := e.c.ProcessStatus(ctx(t), pid); st.Status != ProcessOnTime || len(st.Current) != 1 {
		t.Errorf("refusals changed the process: %+v", st)
	}

	// Broken and unknown maps.
	_, err = e.c.CreateDraftProcess(ctx(t), sim.BrokenMapID, []int64{d.ID})
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || re.StatusCode != 400 || re.Message != "Workflow Map has no versions" || re.Retryable() {
		t.Errorf("broken map: %+v", re)
	}
	_, err = e.c.CreateDraftProcess(ctx(t), 424242, []int64{d.ID})
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || re.StatusCode != 400 || re.Message != "Could not Loadmap" {
		t.Errorf("unknown map: %+v", re)
	}
	// A folder is not a map either.
	_, err = e.c.CreateDraftProcess(ctx(t), sim.PoliciesFolderID, nil)
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || re.Message != "Could not Loadmap" {
		t.Errorf("folder as map: %+v", re)
	}
	_, err = e.c.CreateDraftProcess(ctx(t), sim.DocumentApprovalMapID, []int64{999999})
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, "Error getting node from ID") {
		t.Errorf("unknown doc: %+v", re)
	}
	// A draft belongs to its creator and is consumed by Initiate.
	draft, err := e.c.CreateDraftProcess(ctx(t), sim.DocumentApprovalMapID, []int64{d.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reviewer.InitiateDraftProcess(ctx(t), draft, ""); restErr(t, err).Kind != rest.KindBadRequest {
		t.Errorf("initiate someone else's draft: %v", err)
	}
	if err := e.c.UpdateDraftProcess(ctx(t), draft, map[string]any{"Title": "x"}); restErr(t, err).Kind != rest.KindBadRequest {
		t.Errorf("form field without WorkflowForm_ prefix: %v", err)
	}
	if _, err := e.c.InitiateDraftProcess(ctx(t), draft, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.InitiateDraftProcess(ctx(t), draft, ""); restErr(t, err).Kind != rest.KindBadRequest {
		t.Errorf("second initiate of one draft: %v", err)
	}
}

func TestStopProcess(t *testing.T) {
	e := newEnv(t, sim.Options{})
	d := mustDoc(t, e, sim.PoliciesFolderID, "stop.txt", "x")
	pid := startProcess(t, e, sim.DocumentApprovalMapID, d.ID)
	reviewer := e.clientAs(t, "reviewer1", "reviewer1-pw")
	if err := reviewer.StopProcess(ctx(t), pid); restErr(t, err).Kind != rest.KindBadRequest {
		t.Errorf("stop by a non-manager: %v", err)
	}
	if err := e.c.StopProcess(ctx(t), pid); err != nil {
		t.Fatal(err)
	}
	st, err := e.c.ProcessStatus(ctx(t), pid)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != ProcessStopped || len(st.Current) != 0 {
		t.Errorf("after stop = %+v", st)
	}
	if err := e.sim.ActOnTask(pid, "reviewer1", "Approve", ""); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("act on stopped process: %v", err)
	}
	if err := e.c.StopProcess(ctx(t), pid); restErr(t, err).Kind != rest.KindBadRequest {
		t.Errorf("second stop: %v", err)
	}
	_, err = e.c.ProcessStatus(ctx(t), 1)
	if restErr(t, err).Kind != rest.KindBadRequest {
		t.Errorf("unknown process: %v", err)
	}
}

func TestMoveAndUpdateNode(t *testing.T) {
	e := newEnv(t, sim.Options{})
	d := mustDoc(t, e, sim.PoliciesFolderID, "Move Me.txt", "x")
	target, err := e.c.CreateFolder(ctx(t), sim.RecordsFolderID, "Archive")
	if err != nil {
		t.Fatal(err)
	}
	moved, err := e.c.MoveNode(ctx(t), d.ID, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if moved.ID != d.ID || moved.ParentID != target.ID || moved.Name != "Move Me.txt" {
		t.Errorf("moved = %+v", moved)
	}
	if n, _ := e.sim.Node(d.ID); n.ParentID != target.ID {
		t.Errorf("sim parent = %d", n.ParentID)
	}
	// Same name (case-insensitively) in the target: conflict.
	other := mustDoc(t, e, sim.PoliciesFolderID, "move me.TXT", "y")
	_, err = e.c.MoveNode(ctx(t), other.ID, target.ID)
	if re := restErr(t, err); re.Kind != rest.KindConflict || !strings.Contains(re.Message, "already exists") {
		t.Errorf("duplicate move: %+v", re)
	}
	if n, _ := e.sim.Node(other.ID); n.ParentID != sim.PoliciesFolderID {
		t.Errorf("refused move still moved: %+v", n)
	}
	_, err = e.c.MoveNode(ctx(t), other.ID, d.ID)
	if restErr(t, err).Kind != rest.KindBadRequest {
		t.Errorf("move into a document: %v", err)
	}

	up, err := e.c.UpdateNode(ctx(t), d.ID, "Renamed.txt", "")
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "Renamed.txt" || up.ParentID != target.ID {
		t.Errorf("renamed = %+v", up)
	}
	up, err = e.c.UpdateNode(ctx(t), d.ID, "", "a description")
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "Renamed.txt" || up.Description != "a description" {
		t.Errorf("described = %+v", up)
	}
	_, err = e.c.UpdateNode(ctx(t), other.ID, "RENAMED.txt", "")
	if err != nil {
		t.Errorf("rename to a name taken only in another folder: %v", err)
	}
	mustDoc(t, e, target.ID, "Taken.txt", "z")
	_, err = e.c.UpdateNode(ctx(t), d.ID, "taken.txt", "")
	if restErr(t, err).Kind != rest.KindConflict {
		t.Errorf("rename onto a sibling's name: %v", err)
	}
}

func TestRecordDetailsFinalizeAndHolds(t *testing.T) {
	e := newEnv(t, sim.Options{})
	d := mustDoc(t, e, sim.PoliciesFolderID, "record.txt", "x")
	target, err := e.c.CreateFolder(ctx(t), sim.RecordsFolderID, "Final")
	if err != nil {
		t.Fatal(err)
	}
	// Finalizing needs an RM classification.
	err = e.c.FinalizeRecords(ctx(t), d.ID)
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, "no RM classification") {
		t.Errorf("finalize unclassified: %+v", re)
	}
	if _, err := e.c.ApplyRMClassification(ctx(t), d.ID, RMClassifyRequest{ClassID: sim.RMPoliciesClassID}); err != nil {
		t.Fatal(err)
	}
	rm, err := e.c.RMClassifications(ctx(t), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.c.UpdateRecordDetails(ctx(t), d.ID, RecordDetails{Official: true, Status: "APPROVED", RecordDate: "2026-03-01", RSI: "RSI-7"}, rm.MetadataToken); err != nil {
		t.Fatal(err)
	}
	// The token rotated: the old one is stale now.
	err = e.c.UpdateRecordDetails(ctx(t), d.ID, RecordDetails{Status: "X"}, rm.MetadataToken)
	if restErr(t, err).Kind != rest.KindBadRequest {
		t.Errorf("stale token: %v", err)
	}
	rm, err = e.c.RMClassifications(ctx(t), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c := rm.Classifications[0]; !c.Official || c.Status != "APPROVED" || !strings.HasPrefix(c.RecordDate, "2026-03-01") || c.RSI != "RSI-7" || c.Finalized {
		t.Errorf("record details = %+v", c)
	}

	if err := e.c.FinalizeRecords(ctx(t), d.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.c.FinalizeRecords(ctx(t), d.ID); err != nil {
		t.Errorf("finalize again: %v", err)
	}
	rm, err = e.c.RMClassifications(ctx(t), d.ID)
	if err != nil || !rm.Classifications[0].Finalized || !e.sim.Finalized(d.ID) {
		t.Fatalf("finalized = %+v, %v; sim %v", rm, err, e.sim.Finalized(d.ID))
	}
	_, err = e.c.AddVersion(ctx(t), d.ID, bytesUpload("record.txt", "new", nil), "")
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, "finalized record") {
		t.Errorf("add version to finalized: %+v", re)
	}
	err = e.c.UpdateCategory(ctx(t), d.ID, sim.ConfluencePageCategoryID, map[string]any{"9001_6": "Changed"})
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, "finalized record") {
		t.Errorf("category update on finalized: %+v", re)
	}
	_, err = e.c.MoveNode(ctx(t), d.ID, target.ID)
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, "finalized record") {
		t.Errorf("move finalized: %+v", re)
	}
	if vs := e.sim.Versions(d.ID); len(vs) != 1 {
		t.Errorf("versions = %d", len(vs))
	}
	if vals, _ := e.sim.CategoryValues(d.ID, sim.ConfluencePageCategoryID); vals["9001_6"] != nil {
		t.Errorf("category changed: %v", vals)
	}

	// Holds through the client: a held node refuses the same operations.
	h := mustDoc(t, e, sim.PoliciesFolderID, "held.txt", "x")
	if err := e.c.ApplyHold(ctx(t), h.ID, sim.LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	if err := e.c.ApplyHold(ctx(t), h.ID, sim.LitigationHoldID); restErr(t, err).Kind != rest.KindConflict {
		t.Errorf("apply the same hold twice: %v", err)
	}
	if holds, _ := e.c.NodeHolds(ctx(t), h.ID); len(holds) != 1 || holds[0].ID != sim.LitigationHoldID {
		t.Errorf("holds = %+v", holds)
	}
	_, err = e.c.MoveNode(ctx(t), h.ID, target.ID)
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, "Litigation Hold 2026-01") {
		t.Errorf("move held: %+v", re)
	}
	err = e.c.UpdateCategory(ctx(t), h.ID, sim.ConfluencePageCategoryID, map[string]any{"9001_6": "Changed"})
	if re := restErr(t, err); re.Kind != rest.KindBadRequest || !strings.Contains(re.Message, "under hold") {
		t.Errorf("category update on held: %+v", re)
	}
	if err := e.c.RemoveHold(ctx(t), h.ID, sim.LitigationHoldID); err != nil {
		t.Fatal(err)
	}
	if err := e.c.RemoveHold(ctx(t), h.ID, sim.LitigationHoldID); restErr(t, err).Kind != rest.KindBadRequest {
		t.Errorf("remove a hold the node does not have: %v", err)
	}
	if _, err := e.c.MoveNode(ctx(t), h.ID, target.ID); err != nil {
		t.Errorf("move after the hold was removed: %v", err)
	}
}

func itoa(n int64) string { return joinIDs([]int64{n}) }
