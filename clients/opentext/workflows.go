package opentext

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// Workflows (reference §6). A process is started through a draft process
// (CreateDraftProcess, optionally UpdateDraftProcess, InitiateDraftProcess)
// and its outcome is learnt by polling ProcessStatus and
// ProcessActivities. Acting on a step (SendTask) must be done by the step's
// assignee, i.e. with a Client logged in as that user.

// WorkflowMap is a workflow map that can be started for a document.
type WorkflowMap struct {
	ID   int64
	Name string
	Type int // WorkflowType as the server reports it
}

// DocumentWorkflows lists the workflow maps applicable to a document
// (GET /api/v2/docworkflows?doc_id=&parent_id=). parentID 0 is left out.
func (c *Client) DocumentWorkflows(ctx context.Context, docID, parentID int64) ([]WorkflowMap, error) {
	q := url.Values{"doc_id": {strconv.FormatInt(docID, 10)}}
	if parentID != 0 {
		q.Set("parent_id", strconv.FormatInt(parentID, 10))
	}
	var out struct {
		Results struct {
			Data []struct {
				DataID       flexInt    `json:"DataID"`
				Name         flexString `json:"Name"`
				WorkflowType flexInt    `json:"WorkflowType"`
			} `json:"data"`
		} `json:"results"`
	}
	if err := c.call(ctx, request{method: http.MethodGet, path: "/api/v2/docworkflows", query: q}, &out); err != nil {
		return nil, err
	}
	maps := make([]WorkflowMap, 0, len(out.Results.Data))
	for _, d := range out.Results.Data {
		maps = append(maps, WorkflowMap{ID: int64(d.DataID), Name: string(d.Name), Type: int(d.WorkflowType)})
	}
	return maps, nil
}

// CreateDraftProcess creates a draft process of a map with the documents
// attached (POST /api/v2/draftprocesses) and returns its draftprocess_id.
// A missing or unusable map fails with KindBadRequest and the server's
// text ("Could not Loadmap", "Workflow Map has no versions").
func (c *Client) CreateDraftProcess(ctx context.Context, mapID int64, docIDs []int64) (int64, error) {
	body := map[string]any{"workflow_id": mapID}
	if len(docIDs) > 0 {
		body["doc_ids"] = joinIDs(docIDs)
		body["AttachDocuments"] = "true"
	}
	form, err := bodyForm(body)
	if err != nil {
		return 0, fmt.Errorf("opentext: CreateDraftProcess: %w", err)
	}
	r := request{method: http.MethodPost, path: "/api/v2/draftprocesses", form: form}
	var out struct {
		Results struct {
			DraftProcessID flexInt `json:"draftprocess_id"`
		} `json:"results"`
	}
	if err := c.call(ctx, r, &out); err != nil {
		return 0, err
	}
	if out.Results.DraftProcessID == 0 {
		return 0, protocolError(r, "draft process answer carries no draftprocess_id")
	}
	return int64(out.Results.DraftProcessID), nil
}

// UpdateDraftProcess sets workflow form values on a draft (PUT
// /api/v2/draftprocesses/{id}, action formUpdate). Keys are the form's
// field names, e.g. "WorkflowForm_Title", "WorkflowForm_WorkflowDueDate".
func (c *Client) UpdateDraftProcess(ctx context.Context, draftID int64, values map[string]any) error {
	if values == nil {
		values = map[string]any{}
	}
	form, err := bodyForm(map[string]any{"action": "formUpdate", "values": values})
	if err != nil {
		return fmt.Errorf("opentext: UpdateDraftProcess: %w", err)
	}
	return c.call(ctx, request{method: http.MethodPut, path: fmt.Sprintf("/api/v2/draftprocesses/%d", draftID), form: form}, nil)
}

// InitiateDraftProcess starts the process of a draft (PUT
// /api/v2/draftprocesses/{id}, action Initiate) and returns its process id.
func (c *Client) InitiateDraftProcess(ctx context.Context, draftID int64, comment string) (int64, error) {
	form, err := bodyForm(map[string]any{"action": "Initiate", "comment": comment})
	if err != nil {
		return 0, fmt.Errorf("opentext: InitiateDraftProcess: %w", err)
	}
	r := request{method: http.MethodPut, path: fmt.Sprintf("/api/v2/draftprocesses/%d", draftID), form: form}
	var out struct {
		Results struct {
			ProcessID flexInt `json:"process_id"`
		} `json:"results"`
	}
	if err := c.call(ctx, r, &out); err != nil {
		return 0, err
	}
	if out.Results.ProcessID == 0 {
		return 0, protocolError(r, "initiate answer carries no process_id")
	}
	return int64(out.Results.ProcessID), nil
}

// WorkflowStep is one step of a process as the status report lists it.
type WorkflowStep struct {
	ProcessID, SubprocessID, TaskID int64
	Name, Status                    string
	Assignees                       []string // login names
	DueDate                         time.Time
}

// Process status values (ProcessStatus.Status).
const (
	ProcessOnTime    = "ontime"
	ProcessLate      = "workflowlate"
	ProcessCompleted = "completed"
	ProcessStopped   = "stopped"
)

// ProcessStatus is a process's state: Status is ontime, workflowlate,
// completed or stopped; Current is empty once the process has ended.
type ProcessStatus struct {
	ProcessID          int64
	Name, Status       string
	Current, Completed []WorkflowStep
}

type wireStep struct {
	ProcessID     flexInt    `json:"process_id"`
	SubprocessID  flexInt    `json:"subprocess_id"`
	TaskID        flexInt    `json:"task_id"`
	TaskName      flexString `json:"task_name"`
	TaskStatus    flexString `json:"task_status"`
	TaskDueDate   flexTime   `json:"task_due_date"`
	TaskAssignees struct {
		Assignee []struct {
			LoginName flexString `json:"loginName"`
		} `json:"assignee"`
	} `json:"task_assignees"`
}

func (w wireStep) step() WorkflowStep {
	st := WorkflowStep{ProcessID: int64(w.ProcessID), SubprocessID: int64(w.SubprocessID), TaskID: int64(w.TaskID),
		Name: string(w.TaskName), Status: string(w.TaskStatus), DueDate: time.Time(w.TaskDueDate)}
	for _, a := range w.TaskAssignees.Assignee {
		if a.LoginName != "" {
			st.Assignees = append(st.Assignees, string(a.LoginName))
		}
	}
	return st
}

// ProcessStatus reads GET /api/v2/workflows/status/processes/{pid}.
func (c *Client) ProcessStatus(ctx context.Context, processID int64) (*ProcessStatus, error) {
	var out struct {
		Results struct {
			Details struct {
				Status flexString `json:"status"`
				Name   flexString `json:"wf_name"`
			} `json:"wf_details"`
			Steps struct {
				Current   []wireStep `json:"current"`
				Completed []wireStep `json:"completed"`
			} `json:"step_list"`
		} `json:"results"`
	}
	if err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v2/workflows/status/processes/%d", processID)}, &out); err != nil {
		return nil, err
	}
	ps := &ProcessStatus{ProcessID: processID, Name: string(out.Results.Details.Name), Status: string(out.Results.Details.Status)}
	for _, s := range out.Results.Steps.Current {
		ps.Current = append(ps.Current, s.step())
	}
	for _, s := range out.Results.Steps.Completed {
		ps.Completed = append(ps.Completed, s.step())
	}
	return ps, nil
}

// WorkflowActivity is one entry of a process's history. Disposition is
// the custom action a step was sent on with (action_properties.label),
// e.g. "Approve" or "Reject"; empty for other entries.
type WorkflowActivity struct {
	Action, Comment, Disposition string
	UserID                       int64
	UserName                     string // when the server reports it
	Date                         time.Time
}

// ProcessActivities reads GET
// /api/v2/processes/{pid}/subprocesses/{sid}/activities, oldest first.
func (c *Client) ProcessActivities(ctx context.Context, processID, subprocessID int64) ([]WorkflowActivity, error) {
	var out struct {
		Results struct {
			Data []struct {
				Action     flexString `json:"action"`
				Comment    flexString `json:"comment"`
				Date       flexTime   `json:"date"`
				UserID     flexInt    `json:"user_id"`
				UserName   flexString `json:"user_name"`
				Properties struct {
					Label  flexString `json:"label"`
					UserID flexInt    `json:"user_id"`
				} `json:"action_properties"`
			} `json:"data"`
		} `json:"results"`
	}
	path := fmt.Sprintf("/api/v2/processes/%d/subprocesses/%d/activities", processID, subprocessID)
	if err := c.call(ctx, request{method: http.MethodGet, path: path}, &out); err != nil {
		return nil, err
	}
	acts := make([]WorkflowActivity, 0, len(out.Results.Data))
	for _, d := range out.Results.Data {
		a := WorkflowActivity{Action: string(d.Action), Comment: string(d.Comment), Disposition: string(d.Properties.Label),
			UserID: int64(d.UserID), UserName: string(d.UserName), Date: time.Time(d.Date)}
		if a.UserID == 0 {
			a.UserID = int64(d.Properties.UserID)
		}
		acts = append(acts, a)
	}
	return acts, nil
}

// SendTask sends a step on with a custom action (disposition) such as
// "Approve" or "Reject" (PUT
// /api/v2/processes/{pid}/subprocesses/{sid}/tasks/{tid}). The client must
// be logged in as the step's assignee; anyone else gets KindBadRequest.
func (c *Client) SendTask(ctx context.Context, processID, subprocessID, taskID int64, customAction, comment string) error {
	form, err := bodyForm(map[string]any{"custom_action": customAction, "comment": comment})
	if err != nil {
		return fmt.Errorf("opentext: SendTask: %w", err)
	}
	path := fmt.Sprintf("/api/v2/processes/%d/subprocesses/%d/tasks/%d", processID, subprocessID, taskID)
	return c.call(ctx, request{method: http.MethodPut, path: path, form: form}, nil)
}

// StopProcess stops a running process (PUT /api/v2/processes/{pid}/status,
// status=stop); its status becomes "stopped".
func (c *Client) StopProcess(ctx context.Context, processID int64) error {
	return c.call(ctx, request{method: http.MethodPut, path: fmt.Sprintf("/api/v2/processes/%d/status", processID),
		form: url.Values{"status": {"stop"}}}, nil)
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func protocolError(r request, msg string) error {
	return &rest.Error{Service: service, Method: r.method, Path: r.path, StatusCode: http.StatusOK, Kind: rest.KindProtocol, Message: msg}
}
