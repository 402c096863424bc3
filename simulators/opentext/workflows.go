package opentext

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The workflow engine: maps are ordered steps, each with one assignee and
// the map's custom actions (dispositions). A process runs its steps in
// order; "Reject" on any step completes the process at once.

// wfStep is one step of a workflow map.
type wfStep struct {
	name     string
	assignee string        // login name
	dueIn    time.Duration // step duration; 0 = no due date
}

// wfMap is a workflow map's definition; its name is its node's name.
type wfMap struct {
	id                int64
	steps             []wfStep
	customActions     []string
	broken            bool // no map versions: nothing can be started from it
	startStepDisabled bool // may be started directly (POST /draftprocesses/startwf)
}

type draftProcess struct {
	id, mapID      int64
	owner          int64
	docIDs         []int64
	attach         bool
	attachFolderID int64
	values         map[string]any
	created        time.Time
}

type stepInstance struct {
	taskID      int64
	name        string
	assigneeID  int64
	started     time.Time // zero until the step becomes current
	finished    time.Time
	due         time.Time
	disposition string
	actedBy     int64
}

type wfActivity struct {
	action, event, label, comment, node string
	taskID                              int64
	userID                              int64
	date                                time.Time
}

type process struct {
	id, mapID      int64
	name           string
	initiator      int64
	initiated      time.Time
	due            time.Time
	finished       time.Time
	status         string // running (reported ontime/workflowlate), completed, stopped
	suspended      bool
	archived       bool
	docIDs         []int64
	attachFolderID int64
	values         map[string]any
	steps          []*stepInstance
	current        int // index into steps; -1 when no step is active
	activities     []wfActivity
}

const (
	procRunning   = "running"
	procCompleted = "completed"
	procStopped   = "stopped"
)

func (s *Server) allocWfID() int64 {
	id := s.nextWfID
	s.nextWfID++
	return id
}

func (s *Server) mapName(id int64) string {
	if n := s.nodes[id]; n != nil {
		return n.name
	}
	return ""
}

// statusKey is the wf_details.status value of a process.
func (s *Server) statusKey(p *process) string {
	if p.status != procRunning {
		return p.status
	}
	now := s.now()
	if !p.due.IsZero() && now.After(p.due) {
		return "workflowlate"
	}
	if p.current >= 0 {
		if st := p.steps[p.current]; !st.due.IsZero() && now.After(st.due) {
			return "workflowlate"
		}
	}
	return "ontime"
}

// idList reads an id list given as "1,2", repeated keys or a JSON array.
func (c *call) idList(key string) ([]int64, string) {
	var out []int64
	for _, v := range c.p.list(key) {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			id, err := strconv.ParseInt(part, 10, 64)
			if err != nil {
				return nil, fmt.Sprintf("Invalid datatype specified for argument '%s'", key)
			}
			out = append(out, id)
		}
	}
	return out, ""
}

// requiredIDList is idList for a parameter the request cannot do without:
// an unreadable list, or none at all, answers 400 and reports false.
func (c *call) requiredIDList(key string) ([]int64, bool) {
	ids, msg := c.idList(key)
	if c.refused(msg) {
		return nil, false
	}
	if len(ids) == 0 {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Missing required parameter '%s'", key))
		return nil, false
	}
	return ids, true
}

// loadMap resolves workflow_id the way OTCS's map loader does.
func (s *Server) loadMap(c *call) (*wfMap, bool) {
	id, present, err := c.p.int("workflow_id")
	if err != nil {
		c.fail(http.StatusBadRequest, err.Error())
		return nil, false
	}
	if !present {
		c.fail(http.StatusBadRequest, "Missing required parameter 'workflow_id'")
		return nil, false
	}
	m := s.wfMaps[id]
	if m == nil || s.nodes[id] == nil || s.nodes[id].typ != typeWorkflowMap {
		c.fail(http.StatusBadRequest, "Could not Loadmap")
		return nil, false
	}
	if m.broken {
		c.fail(http.StatusBadRequest, "Workflow Map has no versions")
		return nil, false
	}
	return m, true
}

// docWorkflows is GET /api/v2/docworkflows?doc_id=&parent_id=.
func (s *Server) docWorkflows(c *call) {
	docIDs, ok := c.requiredIDList("doc_id")
	if !ok {
		return
	}
	parentID, _, err := c.p.int("parent_id")
	if err != nil {
		c.fail(http.StatusBadRequest, err.Error())
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, id := range docIDs {
		if s.nodes[id] == nil {
			c.fail(http.StatusBadRequest, notFoundMsg(id))
			return
		}
	}
	if parentID != 0 && s.nodes[parentID] == nil {
		c.fail(http.StatusBadRequest, notFoundMsg(parentID))
		return
	}
	ids := make([]int64, 0, len(s.wfMaps))
	for id := range s.wfMaps {
		if n := s.nodes[id]; n != nil && n.typ == typeWorkflowMap {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	data := []any{}
	for _, id := range ids {
		data = append(data, map[string]any{"DataID": id, "Name": s.mapName(id), "WorkflowType": 100})
	}
	c.respondV2(map[string]any{"data": data, "fError": "", "fErrorDetail": "", "statusMsg": nil})
}

// newDraft validates the documents and makes the draft with its
// attachments folder. Callers hold s.mu for writing.
func (s *Server) newDraft(c *call, m *wfMap) (*draftProcess, bool) {
	docIDs, msg := c.idList("doc_ids")
	if c.refused(msg) {
		return nil, false
	}
	for _, id := range docIDs {
		if s.nodes[id] == nil {
			c.fail(http.StatusBadRequest, fmt.Sprintf("Error getting node from ID %d", id))
			return nil, false
		}
	}
	attach := true
	if v := c.p.str("AttachDocuments"); v != "" && !strings.EqualFold(v, "true") && v != "1" {
		attach = false
	}
	d := &draftProcess{id: s.allocWfID(), mapID: m.id, owner: c.user.id, docIDs: docIDs, attach: attach,
		values: map[string]any{}, created: s.now()}
	if vol := s.nodes[WorkflowVolumeID]; vol != nil {
		f := &node{id: s.allocID(), parentID: vol.id, name: fmt.Sprintf("Attachments %d", d.id), typ: typeWorkflowAttachments,
			created: d.created, modified: d.created, createUser: c.user.id, cats: map[int64]*appliedCat{}}
		s.addNode(f)
		d.attachFolderID = f.id
		if attach {
			for _, id := range docIDs {
				doc := s.nodes[id]
				name := doc.name
				if s.childNamed(f, name) != nil {
					name = fmt.Sprintf("%s (%d)", doc.name, doc.id)
				}
				s.addNode(&node{id: s.allocID(), parentID: f.id, name: name, typ: typeShortcut, originalID: id,
					created: d.created, modified: d.created, createUser: c.user.id, cats: map[int64]*appliedCat{}})
			}
		}
	}
	s.drafts[d.id] = d
	return d, true
}

// createDraft is POST /api/v2/draftprocesses.
func (s *Server) createDraft(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.loadMap(c)
	if !ok {
		return
	}
	d, ok := s.newDraft(c, m)
	if !ok {
		return
	}
	res := map[string]any{"draftprocess_id": d.id}
	if len(d.docIDs) > 0 {
		res["workflow_type"] = "1_1"
	}
	c.respondV2(res)
}

// startWorkflow is POST /api/v2/draftprocesses/startwf: only for maps
// whose start step is disabled.
func (s *Server) startWorkflow(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.loadMap(c)
	if !ok {
		return
	}
	if !m.startStepDisabled {
		c.fail(http.StatusBadRequest, fmt.Sprintf("The workflow map '%s' has an enabled start step and cannot be started directly; create a draft process and initiate it.", s.mapName(m.id)))
		return
	}
	d, ok := s.newDraft(c, m)
	if !ok {
		return
	}
	p := s.initiate(d, c.p.str("comment"))
	c.respondV2(map[string]any{"custom_message": nil, "process_id": p.id})
}

// draftFor resolves a draft the caller owns; it writes the error itself.
func (s *Server) draftFor(c *call, raw string) (*draftProcess, bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	d := s.drafts[id]
	if err != nil || d == nil || d.owner != c.user.id {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get draft process %s", raw))
		return nil, false
	}
	return d, true
}

var draftFormFields = []struct{ key, title, typ string }{
	{"WorkflowForm_Title", "Title", "string"},
	{"WorkflowForm_WorkflowDueDate", "Due Date", "string"},
	{"WorkflowForm_Instructions", "Instructions", "string"},
}

// draftForm is GET /api/v1/forms/draftprocesses[/update]?draftprocess_id=.
func (s *Server) draftForm(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !c.p.has("draftprocess_id") {
		c.fail(http.StatusBadRequest, "Missing required parameter 'draftprocess_id'")
		return
	}
	d, ok := s.draftFor(c, c.p.str("draftprocess_id"))
	if !ok {
		return
	}
	data := map[string]any{}
	props := map[string]any{}
	for _, f := range draftFormFields {
		data[f.key] = nil
		props[f.key] = map[string]any{"title": f.title, "type": f.typ, "readonly": false, "required": false}
	}
	data["WorkflowForm_Title"] = s.mapName(d.mapID)
	for k, v := range d.values {
		data[k] = v
		if props[k] == nil {
			props[k] = map[string]any{"title": k, "type": "string", "readonly": false, "required": false}
		}
	}
	res := map[string]any{
		"data": map[string]any{
			"process_id": d.id, "title": s.mapName(d.mapID), "instructions": "",
			"actions":     []any{map[string]any{"key": "Initiate", "label": "Start"}},
			"comments_on": true, "authentication": false, "attachments_on": true,
			"data_packages": []any{map[string]any{"type": 1, "sub_type": 1, "data": map[string]any{"attachment_folder_id": d.attachFolderID}}},
		},
		"forms": []any{map[string]any{"data": data, "schema": map[string]any{"properties": props, "type": "object"}, "options": map[string]any{"fields": map[string]any{}}}},
	}
	if len(d.docIDs) > 0 {
		res["data"].(map[string]any)["workflow_type"] = "1_1"
	}
	c.json(http.StatusOK, res)
}

// updateDraft is PUT /api/v2/draftprocesses/{id}: formUpdate or Initiate.
func (s *Server) updateDraft(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.draftFor(c, c.r.PathValue("id"))
	if !ok {
		return
	}
	switch strings.ToLower(c.p.str("action")) {
	case "formupdate":
		vals := c.p.object("values")
		if vals == nil {
			c.fail(http.StatusBadRequest, "Missing required parameter 'values'")
			return
		}
		for k, v := range vals {
			if !strings.HasPrefix(k, "WorkflowForm_") {
				c.fail(http.StatusBadRequest, fmt.Sprintf("Invalid workflow form field '%s': field names start with 'WorkflowForm_'.", k))
				return
			}
			if k == "WorkflowForm_WorkflowDueDate" {
				if str := firstString(v); str != "" {
					if _, ok := parseDate(str); !ok {
						c.fail(http.StatusBadRequest, fmt.Sprintf("Invalid date specified for '%s': %q.", k, str))
						return
					}
				}
			}
		}
		for k, v := range vals {
			d.values[k] = v
		}
		c.respondV2(map[string]any{})
	case "initiate":
		p := s.initiate(d, c.p.str("comment"))
		c.respondV2(map[string]any{
			"custom_message": fmt.Sprintf("%s was initiated successfully.", p.name), "process_id": p.id, "WorkID": nil, "WRID": nil,
		})
	default:
		c.fail(http.StatusBadRequest, "The requested action is unknown. Allowed actions 'initiate','formupdate'")
	}
}

// initiate turns a draft into a running process. Callers hold s.mu.
func (s *Server) initiate(d *draftProcess, comment string) *process {
	m := s.wfMaps[d.mapID]
	now := s.now()
	p := &process{
		id: s.allocWfID(), mapID: d.mapID, name: s.mapName(d.mapID), initiator: d.owner, initiated: now, status: procRunning,
		attachFolderID: d.attachFolderID, values: d.values, current: -1,
	}
	if d.attach {
		p.docIDs = d.docIDs
	}
	if t := firstString(d.values["WorkflowForm_Title"]); t != "" {
		p.name = t
	}
	if due, ok := parseDate(firstString(d.values["WorkflowForm_WorkflowDueDate"])); ok {
		p.due = due.UTC()
	}
	for i, st := range m.steps {
		inst := &stepInstance{taskID: int64(i + 1), name: st.name}
		if u := s.users[st.assignee]; u != nil {
			inst.assigneeID = u.id
		}
		p.steps = append(p.steps, inst)
	}
	p.activities = append(p.activities, wfActivity{action: "Initiate", event: "initiate", comment: comment, node: "Start", userID: d.owner, date: now})
	delete(s.drafts, d.id)
	s.processes[p.id] = p
	s.startStep(p, 0, now)
	return p
}

// startStep makes step i current, or completes the process past the end.
func (s *Server) startStep(p *process, i int, now time.Time) {
	if i >= len(p.steps) {
		s.finish(p, procCompleted, now)
		return
	}
	st := p.steps[i]
	st.started = now
	if d := s.wfMaps[p.mapID].steps[i].dueIn; d > 0 {
		st.due = now.Add(d)
	}
	p.current = i
}

func (s *Server) finish(p *process, status string, now time.Time) {
	p.status, p.current, p.finished, p.suspended = status, -1, now, false
}

// processFor resolves {pid} (and {sid} when routed); it writes the error.
func (s *Server) processFor(c *call) (*process, bool) {
	raw := c.r.PathValue("pid")
	id, err := strconv.ParseInt(raw, 10, 64)
	p := s.processes[id]
	if err != nil || p == nil {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get workflow process %s", raw))
		return nil, false
	}
	if sid := c.r.PathValue("sid"); sid != "" && sid != strconv.FormatInt(p.id, 10) {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get subprocess %s of workflow process %d", sid, p.id))
		return nil, false
	}
	return p, true
}

func (s *Server) memberJSON(id int64) map[string]any {
	u := s.usersByID[id]
	if u == nil {
		return map[string]any{"userId": id, "loginName": "", "firstName": "", "lastName": "", "emailAddress": "", "phone": ""}
	}
	return map[string]any{"userId": u.id, "loginName": u.name, "firstName": u.name, "lastName": "", "emailAddress": u.email, "phone": ""}
}

func (s *Server) stepJSON(p *process, st *stepInstance, status string) map[string]any {
	assignee := s.memberJSON(st.assigneeID)
	out := map[string]any{
		"process_id": p.id, "subprocess_id": p.id, "task_id": st.taskID, "task_name": st.name, "task_status": status,
		"task_start_date": fmtTime(st.started), "task_due_date": fmtTime(st.due), "task_end_date": fmtTime(st.finished),
		"task_assignees": map[string]any{"assignee": []any{assignee}, "assigneeCount": 1, "currentAssignee": assignee["loginName"]},
	}
	if st.disposition != "" {
		out["disposition"] = st.disposition
	}
	return out
}

// processStatus is GET /api/v2/workflows/status/processes/{pid}.
func (s *Server) processStatus(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.processFor(c)
	if !ok {
		return
	}
	completed, current, next := []any{}, []any{}, []any{}
	now := s.now()
	for i, st := range p.steps {
		switch {
		case !st.finished.IsZero():
			completed = append(completed, s.stepJSON(p, st, "completed"))
		case i == p.current:
			status := "ontime"
			if !st.due.IsZero() && now.After(st.due) {
				status = "late"
			}
			current = append(current, s.stepJSON(p, st, status))
		case p.status == procRunning && i > p.current:
			next = append(next, s.stepJSON(p, st, "pending"))
		}
	}
	attachments := []any{}
	for _, id := range p.docIDs {
		if n := s.nodes[id]; n != nil {
			attachments = append(attachments, map[string]any{"id": n.id, "name": n.name, "type": n.typ})
		}
	}
	userID := c.user.id
	manager := userID == p.initiator || userID == AdminUserID
	c.respondV2(map[string]any{
		"wf_details": map[string]any{
			"status": s.statusKey(p), "wf_name": p.name, "wf_map_id": p.mapID, "date_initiated": fmtTime(p.initiated),
			"due_date": fmtTime(p.due), "date_completed": fmtTime(p.finished), "initiator": s.memberJSON(p.initiator),
			"work_workID": p.id, "suspended": p.suspended, "archived": p.archived,
		},
		"step_list":     map[string]any{"completed": completed, "current": current, "next": next},
		"attachments":   map[string]any{"attachment_folder_id": p.attachFolderID, "documents": attachments},
		"data_packages": []any{map[string]any{"type": 1, "sub_type": 1, "data": map[string]any{"attachment_folder_id": p.attachFolderID}}},
		"permissions":   map[string]any{"ChangeAttr": manager, "ChangeRoute": manager, "Delete": manager, "ManagerPerms": manager, "SeeDetail": true, "Stop": manager, "Suspend": manager},
	})
}

// processActivities is GET /api/v2/processes/{pid}/subprocesses/{sid}/activities.
func (s *Server) processActivities(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.processFor(c)
	if !ok {
		return
	}
	data := []any{}
	for _, a := range p.activities {
		userName := ""
		if u := s.usersByID[a.userID]; u != nil {
			userName = u.name
		}
		data = append(data, map[string]any{
			"action": a.action, "comment": a.comment, "date": fmtTime(a.date), "user_id": a.userID, "user_name": userName, "task_id": a.taskID,
			"action_properties": map[string]any{"event": a.event, "label": a.label, "user_id": a.userID, "node": a.node},
		})
	}
	c.respondV2(map[string]any{"data": data})
}

// taskFor resolves the task of a process; it writes the error itself.
func (s *Server) taskFor(c *call, p *process, raw string) (*stepInstance, bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil || id < 1 || int(id) > len(p.steps) {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get task %s of workflow process %d", raw, p.id))
		return nil, false
	}
	return p.steps[id-1], true
}

func notAssignedMsg(u *user, st *stepInstance) string {
	return fmt.Sprintf("The user '%s' is not assigned to the task '%s' (%d) of this workflow.", u.name, st.name, st.taskID)
}

// taskReady checks that st is the active step of a running, unsuspended
// process and that u is its assignee; "" when the user may act.
func (s *Server) taskReady(p *process, st *stepInstance, u *user) string {
	if u == nil || st.assigneeID != u.id {
		if u == nil {
			return fmt.Sprintf("The task '%s' (%d) has no such assignee.", st.name, st.taskID)
		}
		return notAssignedMsg(u, st)
	}
	switch {
	case p.status != procRunning:
		return fmt.Sprintf("The workflow process %d is %s; its tasks can no longer be acted on.", p.id, p.status)
	case p.suspended:
		return fmt.Sprintf("The workflow process %d is suspended; resume it before acting on its tasks.", p.id)
	case p.current < 0 || p.steps[p.current] != st:
		return fmt.Sprintf("The task '%s' (%d) of workflow process %d is not active.", st.name, st.taskID, p.id)
	}
	return ""
}

// taskForm is GET /api/v1/forms/processes/tasks/update.
func (s *Server) taskForm(c *call) {
	for _, k := range []string{"process_id", "subprocess_id", "task_id"} {
		if c.p.str(k) == "" {
			c.fail(http.StatusBadRequest, fmt.Sprintf("Missing required parameter '%s'", k))
			return
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	pid, _ := strconv.ParseInt(c.p.str("process_id"), 10, 64)
	p := s.processes[pid]
	if p == nil {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get workflow process %s", c.p.str("process_id")))
		return
	}
	if c.p.str("subprocess_id") != strconv.FormatInt(p.id, 10) {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get subprocess %s of workflow process %d", c.p.str("subprocess_id"), p.id))
		return
	}
	st, ok := s.taskFor(c, p, c.p.str("task_id"))
	if !ok {
		return
	}
	if c.refused(s.taskReady(p, st, c.user)) {
		return
	}
	custom := []any{}
	for _, a := range s.wfMaps[p.mapID].customActions {
		custom = append(custom, map[string]any{"key": a, "label": a})
	}
	c.json(http.StatusOK, map[string]any{
		"data": map[string]any{
			"title": st.name, "instructions": fmt.Sprintf("Please review the attached documents of '%s'.", p.name), "priority": 50,
			"comments_on": true, "attachments_on": true, "authentication": false, "member_accept": false,
			"process_id": p.id, "subprocess_id": p.id, "task_id": st.taskID,
			"actions":        []any{map[string]any{"key": "Delegate", "label": "Forward"}},
			"custom_actions": custom,
			"data_packages":  []any{map[string]any{"type": 1, "sub_type": 1, "data": map[string]any{"attachment_folder_id": p.attachFolderID}}},
		},
		"forms": []any{},
	})
}

// actOnTask performs one task update as u. Callers hold s.mu for writing.
func (s *Server) actOnTask(p *process, st *stepInstance, u *user, action, customAction, comment string, values map[string]any, assignee string) string {
	if action != "" && customAction != "" {
		return "It is not allowed to execute an action and a custom action"
	}
	if action == "" && customAction == "" {
		return "Missing required parameter 'action' or 'custom_action'"
	}
	if msg := s.taskReady(p, st, u); msg != "" {
		return msg
	}
	now := s.now()
	if action != "" {
		switch strings.ToLower(action) {
		case "formupdate":
			for k, v := range values {
				p.values[k] = v
			}
			return ""
		case "delegate":
			to := s.users[assignee]
			if to == nil {
				if id, err := strconv.ParseInt(assignee, 10, 64); err == nil {
					to = s.usersByID[id]
				}
			}
			if to == nil {
				return fmt.Sprintf("Could not get a user for assignee '%s'", assignee)
			}
			st.assigneeID = to.id
			p.activities = append(p.activities, wfActivity{action: "Delegate", event: "delegate", comment: comment, node: st.name, taskID: st.taskID, userID: u.id, date: now})
			return ""
		case "sendon":
			return fmt.Sprintf("The task '%s' (%d) needs a disposition: send it on with one of the custom actions %s.", st.name, st.taskID, quotedList(s.wfMaps[p.mapID].customActions))
		}
		return "The requested action is unknown. Allowed actions 'formUpdate','SendOn','Delegate'"
	}
	disp := ""
	for _, a := range s.wfMaps[p.mapID].customActions {
		if strings.EqualFold(a, customAction) {
			disp = a
		}
	}
	if disp == "" {
		return fmt.Sprintf("The custom action '%s' is not available for the task '%s' (%d). Allowed custom actions %s", customAction, st.name, st.taskID, quotedList(s.wfMaps[p.mapID].customActions))
	}
	st.finished, st.disposition, st.actedBy = now, disp, u.id
	p.activities = append(p.activities, wfActivity{action: disp, event: "sendon", label: disp, comment: comment, node: st.name, taskID: st.taskID, userID: u.id, date: now})
	if strings.EqualFold(disp, "Reject") {
		s.finish(p, procCompleted, now)
		return ""
	}
	s.startStep(p, p.current+1, now)
	return ""
}

func quotedList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "'" + x + "'"
	}
	return strings.Join(q, ",")
}

// sendTask is PUT /api/v2/processes/{pid}/subprocesses/{sid}/tasks/{tid}.
func (s *Server) sendTask(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.p.str("action") != "" && c.p.str("custom_action") != "" {
		c.fail(http.StatusBadRequest, "It is not allowed to execute an action and a custom action")
		return
	}
	p, ok := s.processFor(c)
	if !ok {
		return
	}
	st, ok := s.taskFor(c, p, c.r.PathValue("tid"))
	if !ok {
		return
	}
	if c.refused(s.actOnTask(p, st, c.user, c.p.str("action"), c.p.str("custom_action"), c.p.str("comment"), c.p.object("values"), c.p.str("assignee"))) {
		return
	}
	c.respondV2(map[string]any{})
}

// changeProcessStatus is PUT /api/v2/processes/{pid}/status.
func (s *Server) changeProcessStatus(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.processFor(c)
	if !ok {
		return
	}
	if c.user.id != p.initiator && c.user.id != AdminUserID {
		c.fail(http.StatusBadRequest, fmt.Sprintf("The user '%s' does not have permission to manage workflow process %d.", c.user.name, p.id))
		return
	}
	now := s.now()
	want := strings.ToLower(c.p.str("status"))
	switch want {
	case "stop", "suspend", "resume":
		if p.status != procRunning {
			c.fail(http.StatusBadRequest, fmt.Sprintf("The workflow process %d is %s and cannot be changed with '%s'.", p.id, p.status, want))
			return
		}
		switch want {
		case "stop":
			s.finish(p, procStopped, now)
			p.activities = append(p.activities, wfActivity{action: "Stop", event: "stop", userID: c.user.id, date: now})
		case "suspend":
			p.suspended = true
			p.activities = append(p.activities, wfActivity{action: "Suspend", event: "suspend", userID: c.user.id, date: now})
		case "resume":
			p.suspended = false
			p.activities = append(p.activities, wfActivity{action: "Resume", event: "resume", userID: c.user.id, date: now})
		}
	case "archive":
		if p.status == procRunning {
			c.fail(http.StatusBadRequest, fmt.Sprintf("The workflow process %d is still running and cannot be archived.", p.id))
			return
		}
		p.archived = true
	case "":
		c.fail(http.StatusBadRequest, "Missing required parameter 'status'")
		return
	default:
		c.fail(http.StatusBadRequest, fmt.Sprintf("Invalid value '%s' for parameter 'status': allowed values are 'suspend','resume','stop','archive'", c.p.str("status")))
		return
	}
	c.respondV2(map[string]any{})
}

func (s *Server) sortedProcesses() []*process {
	out := make([]*process, 0, len(s.processes))
	for _, p := range s.processes {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// workflowsStatus is GET /api/v2/workflows/status?kind=&wstatus=, the
// caller's processes: Initiated (started by the caller), Managed (the
// initiator manages a process; Admin manages all) or Both (the default).
func (s *Server) workflowsStatus(c *call) {
	kind := c.p.str("kind")
	if kind == "" {
		kind = c.p.str("Kind")
	}
	kind = strings.ToLower(kind)
	switch kind {
	case "", "both", "initiated", "managed":
	default:
		c.fail(http.StatusBadRequest, fmt.Sprintf("Invalid value '%s' for parameter 'kind': allowed values are 'Managed','Initiated','Both'", kind))
		return
	}
	wstatus := strings.ToLower(c.p.str("wstatus"))
	s.mu.RLock()
	defer s.mu.RUnlock()
	results := []any{}
	for _, p := range s.sortedProcesses() {
		initiated := p.initiator == c.user.id
		managed := initiated || c.user.id == AdminUserID
		if (kind == "initiated" && !initiated) || (kind != "initiated" && !managed) {
			continue
		}
		key := s.statusKey(p)
		if wstatus != "" && wstatus != key {
			continue
		}
		st := map[string]any{
			"process_id": p.id, "subprocess_id": p.id, "task_id": nil, "status_key": key, "step_name": nil,
			"wf_name": p.name, "assignee": []any{}, "assignee_count": 0, "date_initiated": fmtTime(p.initiated),
			"due_date": fmtTime(p.due), "end_date": fmtTime(p.finished), "initiator": s.memberJSON(p.initiator), "suspended": p.suspended,
		}
		if p.current >= 0 {
			cur := p.steps[p.current]
			st["task_id"], st["step_name"] = cur.taskID, cur.name
			st["assignee"], st["assignee_count"] = []any{s.memberJSON(cur.assigneeID)}, 1
			if !cur.due.IsZero() {
				st["step_due_date"] = fmtTime(cur.due)
			}
		}
		results = append(results, map[string]any{"data": map[string]any{"wfstatus": st}})
	}
	c.respondV2(results)
}

// assignments is GET /api/v2/members/assignments: the caller's open tasks.
func (s *Server) assignments(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := []any{}
	for _, p := range s.sortedProcesses() {
		if p.status != procRunning || p.suspended || p.current < 0 {
			continue
		}
		st := p.steps[p.current]
		if st.assigneeID != c.user.id {
			continue
		}
		list = append(list, map[string]any{
			"id": p.id, "name": st.name, "type": 153, "type_name": "Workflow Step", "description": p.name,
			"instructions": "", "priority": 50, "priority_name": "Medium", "status": 0, "status_name": "OK",
			"date_due": fmtTime(st.due), "from_user_id": p.initiator, "location_id": p.attachFolderID,
			"workflow_id": p.id, "workflow_subworkflow_id": p.id, "workflow_subworkflow_task_id": st.taskID,
			"maptask_subtype": 1, "favorite": false,
		})
	}
	c.respondV2([]any{map[string]any{"data": map[string]any{"assignments": list}}})
}
