package opentext

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// as logs in as another user on the same simulator.
func (w *wire) as(user, password string) *wire {
	w.t.Helper()
	o := &wire{t: w.t, s: w.s, ts: w.ts, base: w.base}
	r := o.form("POST", "/api/v1/auth", url.Values{"username": {user}, "password": {password}})
	if r.status != 200 {
		w.t.Fatalf("login %s: %d %s", user, r.status, r.body)
	}
	o.ticket = r.json["ticket"].(string)
	return o
}

// wireDoc uploads a small document with the xecm multipart style.
func wireDoc(w *wire, parent int64, name string) int64 {
	w.t.Helper()
	body, ct := xecmMultipart(fmt.Sprintf(`{"type":144,"parent_id":%d,"name":%q,"roles":{"categories":{"9001_1":{},"9001_8":"p"}}}`, parent, name), name, "content")
	r := w.do("POST", "/api/v2/nodes", ct, strings.NewReader(body))
	id, _ := dig(r.json, "results", "data", "properties", "id").(float64)
	if r.status != 200 || id == 0 {
		w.t.Fatalf("upload %s: %d %s", name, r.status, r.body)
	}
	return int64(id)
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

func TestWorkflowWire(t *testing.T) {
	w := newWire(t, Options{})
	bridge := w.as("bridge", "bridge-secret")
	r1 := w.as("reviewer1", "reviewer1-pw")
	doc := wireDoc(bridge, PoliciesFolderID, "wire-wf.txt")

	if r := w.as("reviewer2", "reviewer2-pw").get("/api/v1/auth"); dig(r.json, "data", "id") != float64(Reviewer2UserID) {
		t.Errorf("reviewer2 id: %s", r.body)
	}
	r := bridge.get(fmt.Sprintf("/api/v2/docworkflows?doc_id=%d&parent_id=%d", doc, PoliciesFolderID))
	if r.status != 200 || dig(r.json, "results", "data", 0, "DataID") != float64(DocumentApprovalMapID) || dig(r.json, "results", "fError") != "" {
		t.Errorf("docworkflows: %d %s", r.status, r.body)
	}
	if n, ok := w.s.Node(DocumentApprovalMapID); !ok || n.Type != 128 || n.ParentID != WorkflowMapsFolderID {
		t.Errorf("map node = %+v", n)
	}

	// startwf refuses maps with an enabled start step.
	r = bridge.form("POST", "/api/v2/draftprocesses/startwf", url.Values{"workflow_id": {"5001"}, "doc_ids": {fmt.Sprint(doc)}})
	if r.status != 400 || !strings.Contains(r.json["error"].(string), "start step") {
		t.Errorf("startwf: %d %s", r.status, r.body)
	}

	// Flat fields, as otcs-mcp sends them.
	r = bridge.form("POST", "/api/v2/draftprocesses", url.Values{"workflow_id": {"5001"}, "doc_ids": {fmt.Sprint(doc)}, "AttachDocuments": {"TRUE"}})
	draft := num(dig(r.json, "results", "draftprocess_id"))
	if r.status != 200 || draft < FirstWorkflowID || dig(r.json, "results", "workflow_type") != "1_1" {
		t.Fatalf("create draft: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/api/v1/forms/draftprocesses/update", "/api/v1/forms/draftprocesses"} {
		r = bridge.get(fmt.Sprintf("%s?draftprocess_id=%d", path, draft))
		if r.status != 200 || dig(r.json, "data", "actions", 0, "key") != "Initiate" || dig(r.json, "forms", 0, "schema", "properties", "WorkflowForm_Title") == nil {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
	folder := num(dig(r.json, "data", "data_packages", 0, "data", "attachment_folder_id"))
	if kids := w.s.Children(folder); len(kids) != 1 || kids[0].Type != typeShortcut || kids[0].Name != "wire-wf.txt" {
		t.Errorf("attachments folder %d = %+v", folder, kids)
	}
	// reviewer1 cannot see bridge's draft.
	if r := r1.get(fmt.Sprintf("/api/v1/forms/draftprocesses?draftprocess_id=%d", draft)); r.status != 400 {
		t.Errorf("foreign draft form: %d %s", r.status, r.body)
	}
	// values as a JSON string in a flat field; lower-case action.
	r = bridge.form("PUT", fmt.Sprintf("/api/v2/draftprocesses/%d", draft), url.Values{"action": {"formupdate"}, "values": {`{"WorkflowForm_Title":"Wire title"}`}})
	if r.status != 200 {
		t.Errorf("formupdate: %d %s", r.status, r.body)
	}
	r = bridge.form("PUT", fmt.Sprintf("/api/v2/draftprocesses/%d", draft), url.Values{"body": {`{"action":"Launch"}`}})
	if r.status != 400 || r.json["error"] != "The requested action is unknown. Allowed actions 'initiate','formupdate'" {
		t.Errorf("unknown action: %d %s", r.status, r.body)
	}
	r = bridge.form("PUT", fmt.Sprintf("/api/v2/draftprocesses/%d", draft), url.Values{"body": {`{"action":"INITIATE","comment":"go"}`}})
	pid := num(dig(r.json, "results", "process_id"))
	if r.status != 200 || pid == 0 || !strings.Contains(fmt.Sprint(dig(r.json, "results", "custom_message")), "initiated successfully") {
		t.Fatalf("initiate: %d %s", r.status, r.body)
	}

	r = bridge.get(fmt.Sprintf("/api/v2/workflows/status/processes/%d", pid))
	if r.status != 200 || dig(r.json, "results", "wf_details", "status") != "ontime" || dig(r.json, "results", "wf_details", "wf_name") != "Wire title" ||
		num(dig(r.json, "results", "attachments", "attachment_folder_id")) != folder ||
		dig(r.json, "results", "step_list", "current", 0, "task_assignees", "assignee", 0, "loginName") != "reviewer1" {
		t.Fatalf("status: %d %s", r.status, r.body)
	}
	task := num(dig(r.json, "results", "step_list", "current", 0, "task_id"))

	// Personalised lists.
	r = bridge.get("/api/v2/workflows/status?kind=Initiated&wstatus=ontime")
	if r.status != 200 || num(dig(r.json, "results", 0, "data", "wfstatus", "process_id")) != pid || dig(r.json, "results", 0, "data", "wfstatus", "step_name") != "Review" {
		t.Errorf("bridge status list: %d %s", r.status, r.body)
	}
	if r := bridge.get("/api/v2/workflows/status?Kind=Both&wstatus=completed"); len(dig(r.json, "results").([]any)) != 0 {
		t.Errorf("completed filter: %s", r.body)
	}
	if r := r1.get("/api/v2/workflows/status?kind=Initiated"); len(dig(r.json, "results").([]any)) != 0 {
		t.Errorf("reviewer1 initiated nothing: %s", r.body)
	}
	r = r1.get("/api/v2/members/assignments")
	if r.status != 200 || num(dig(r.json, "results", 0, "data", "assignments", 0, "workflow_id")) != pid ||
		num(dig(r.json, "results", 0, "data", "assignments", 0, "workflow_subworkflow_task_id")) != task {
		t.Errorf("reviewer1 assignments: %d %s", r.status, r.body)
	}
	if r := bridge.get("/api/v2/members/assignments"); len(dig(r.json, "results", 0, "data", "assignments").([]any)) != 0 {
		t.Errorf("bridge has no assignments: %s", r.body)
	}

	// Task form: assignee only.
	formPath := fmt.Sprintf("/api/v1/forms/processes/tasks/update?process_id=%d&subprocess_id=%d&task_id=%d", pid, pid, task)
	r = r1.get(formPath)
	if r.status != 200 || dig(r.json, "data", "custom_actions", 0, "key") != "Approve" || dig(r.json, "data", "custom_actions", 1, "key") != "Reject" {
		t.Errorf("task form: %d %s", r.status, r.body)
	}
	if r := bridge.get(formPath); r.status != 400 || !strings.Contains(r.body, "not assigned") {
		t.Errorf("task form for non-assignee: %d %s", r.status, r.body)
	}

	// Suspend blocks acting; resume allows it again.
	taskPath := fmt.Sprintf("/api/v2/processes/%d/subprocesses/%d/tasks/%d", pid, pid, task)
	if r := bridge.form("PUT", fmt.Sprintf("/api/v2/processes/%d/status", pid), url.Values{"status": {"suspend"}}); r.status != 200 {
		t.Fatalf("suspend: %d %s", r.status, r.body)
	}
	if r := r1.form("PUT", taskPath, url.Values{"custom_action": {"Approve"}}); r.status != 400 || !strings.Contains(r.body, "suspended") {
		t.Errorf("act while suspended: %d %s", r.status, r.body)
	}
	if r := bridge.form("PUT", fmt.Sprintf("/api/v2/processes/%d/status", pid), url.Values{"status": {"resume"}}); r.status != 200 {
		t.Fatalf("resume: %d %s", r.status, r.body)
	}
	if r := r1.form("PUT", taskPath, url.Values{"action": {"SendOn"}, "custom_action": {"Approve"}}); r.status != 400 || r.json["error"] != "It is not allowed to execute an action and a custom action" {
		t.Errorf("action+custom_action: %d %s", r.status, r.body)
	}
	if r := r1.form("PUT", taskPath, url.Values{"body": {`{"custom_action":"Approve","comment":"fine"}`}}); r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}

	r = bridge.get(fmt.Sprintf("/api/v2/processes/%d/subprocesses/%d/activities", pid, pid))
	if r.status != 200 || dig(r.json, "results", "data", 3, "action_properties", "label") != "Approve" ||
		num(dig(r.json, "results", "data", 3, "user_id")) != Reviewer1UserID || dig(r.json, "results", "data", 3, "comment") != "fine" {
		t.Errorf("activities: %d %s", r.status, r.body)
	}
	if r := bridge.get(fmt.Sprintf("/api/v2/processes/%d/subprocesses/%d/activities", pid, pid+999)); r.status != 400 {
		t.Errorf("wrong subprocess: %d %s", r.status, r.body)
	}
	r = bridge.get(fmt.Sprintf("/api/v2/workflows/status/processes/%d", pid))
	if dig(r.json, "results", "wf_details", "status") != "completed" || len(dig(r.json, "results", "step_list", "current").([]any)) != 0 {
		t.Errorf("status after approve: %s", r.body)
	}
	if r := r1.get("/api/v2/members/assignments"); len(dig(r.json, "results", 0, "data", "assignments").([]any)) != 0 {
		t.Errorf("assignment left after approve: %s", r.body)
	}
	if r := bridge.form("PUT", fmt.Sprintf("/api/v2/processes/%d/status", pid), url.Values{"status": {"archive"}}); r.status != 200 {
		t.Errorf("archive completed: %d %s", r.status, r.body)
	}

	// Finalize through the wire (form ids=a,b) and see it in /__sim/state.
	doc2 := wireDoc(bridge, PoliciesFolderID, "wire-wf-2.txt")
	for _, id := range []int64{doc, doc2} {
		if r := bridge.form("POST", fmt.Sprintf("/api/v1/nodes/%d/rmclassifications", id), url.Values{"class_id": {fmt.Sprint(RMPoliciesClassID)}}); r.status != 200 {
			t.Fatalf("classify: %d %s", r.status, r.body)
		}
	}
	if r := bridge.form("PUT", "/api/v1/rmclassifications/finalizerecords", url.Values{"ids": {fmt.Sprintf("%d,%d", doc, doc2)}}); r.status != 200 {
		t.Fatalf("finalize: %d %s", r.status, r.body)
	}
	r = bridge.get(fmt.Sprintf("/api/v1/nodes/%d/rmclassifications", doc2))
	if dig(r.json, "data", 0, "finalized") != true || dig(r.json, "canFinalize") != false {
		t.Errorf("rmclassifications after finalize: %s", r.body)
	}
	if r := bridge.do("DELETE", fmt.Sprintf("/api/v2/nodes/%d", doc2), "", nil); r.status != 400 || !strings.Contains(r.body, "finalized record") {
		t.Errorf("delete finalized: %d %s", r.status, r.body)
	}
	resp, err := http.Get(w.ts.URL + "/__sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Nodes []struct {
			ID        int64 `json:"id"`
			Finalized bool  `json:"finalized"`
		} `json:"nodes"`
		Processes []ProcessSnapshot `json:"processes"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	finalized := 0
	for _, n := range st.Nodes {
		if n.Finalized {
			finalized++
		}
	}
	if finalized != 2 || len(st.Processes) != 1 || st.Processes[0].ID != pid || st.Processes[0].Status != "completed" ||
		len(st.Processes[0].Activities) != 4 || st.Processes[0].Activities[3].Disposition != "Approve" {
		t.Errorf("state: finalized %d, processes %+v", finalized, st.Processes)
	}
}
