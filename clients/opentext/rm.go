package opentext

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// RMClassification is a node's Records Management classification and
// record details.
type RMClassification struct {
	ClassID    int64
	Name       string
	FileNumber string
	RecordDate string
	Status     string
	RSI        string
	Official   bool
	Finalized  bool // declared a final record: data[].finalized (see FinalizeRecords)
}

// RMState is a node's RM classifications plus the token needed to change them.
type RMState struct {
	Classifications []RMClassification
	MetadataToken   string // rm_metadataToken; send it back when changing
}

// RMClassifications reads GET /api/v1/nodes/{id}/rmclassifications.
func (c *Client) RMClassifications(ctx context.Context, nodeID int64) (*RMState, error) {
	var out rmStateJSON
	if err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v1/nodes/%d/rmclassifications", nodeID)}, &out); err != nil {
		return nil, err
	}
	return out.state(), nil
}

// rmStateJSON is the answer of the rmclassifications GET (and, on the
// simulator and the servers it follows, of the POST).
type rmStateJSON struct {
	Data []struct {
		ClassID    flexInt    `json:"rmclassification_id"`
		Name       flexString `json:"name"`
		ClassName  flexString `json:"class_name"`
		FileNumber flexString `json:"file_number"`
		RecordDate flexString `json:"record_date"`
		Status     flexString `json:"status"`
		FileStatus flexString `json:"file_status"`
		RSI        flexString `json:"rsi"`
		Official   flexBool   `json:"official"`
		Finalized  flexBool   `json:"finalized"`
	} `json:"data"`
	Token flexString `json:"rm_metadataToken"`
}

func (out *rmStateJSON) state() *RMState {
	st := &RMState{MetadataToken: string(out.Token)}
	for _, d := range out.Data {
		st.Classifications = append(st.Classifications, RMClassification{
			ClassID: int64(d.ClassID), Name: firstNonEmpty(string(d.Name), string(d.ClassName)), FileNumber: string(d.FileNumber),
			RecordDate: string(d.RecordDate), Status: firstNonEmpty(string(d.Status), string(d.FileStatus)), RSI: string(d.RSI),
			Official: bool(d.Official), Finalized: bool(d.Finalized),
		})
	}
	return st
}

// RMClassifyRequest applies an RM classification with record details.
type RMClassifyRequest struct {
	ClassID       int64
	Official      bool
	Status        string // e.g. ACTIVE
	RecordDate    string // YYYY-MM-DD or ISO date-time
	RSI           string
	MetadataToken string // from RMClassifications; needed when the node already has one
}

// ApplyRMClassification posts POST /api/v1/nodes/{id}/rmclassifications
// and returns the classifications the answer reports (none when it
// reports none: read them with RMClassifications). A stale or missing
// token on an already classified node fails with a 400.
func (c *Client) ApplyRMClassification(ctx context.Context, nodeID int64, req RMClassifyRequest) (*RMState, error) {
	body := recordFields(map[string]any{"class_id": req.ClassID}, RecordDetails{Official: req.Official, Status: req.Status, RecordDate: req.RecordDate, RSI: req.RSI})
	if req.MetadataToken != "" {
		body["rm_metadataToken"] = req.MetadataToken
	}
	form, err := bodyForm(body)
	if err != nil {
		return nil, fmt.Errorf("opentext: ApplyRMClassification: %w", err)
	}
	resp, err := c.do(ctx, request{method: http.MethodPost, path: fmt.Sprintf("/api/v1/nodes/%d/rmclassifications", nodeID), form: form})
	if err != nil {
		return nil, err
	}
	defer drain(resp)
	// The apply is done; an answer that is not the state (empty, or
	// another shape) reports no classifications rather than an error.
	var out rmStateJSON
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if json.Unmarshal(b, &out) != nil {
		return &RMState{}, nil
	}
	return out.state(), nil
}

// Hold is a legal or records hold on a node.
type Hold struct {
	ID     int64
	Name   string
	Type   string
	Active bool
}

// NodeHolds lists the holds on a node (GET /api/v1/nodes/{id}/holds).
func (c *Client) NodeHolds(ctx context.Context, nodeID int64) ([]Hold, error) {
	var out struct {
		Data []struct {
			ID     flexInt    `json:"hold_id"`
			Name   flexString `json:"hold_name"`
			Type   flexString `json:"hold_type"`
			Active flexBool   `json:"active"`
		} `json:"data"`
	}
	if err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v1/nodes/%d/holds", nodeID)}, &out); err != nil {
		return nil, err
	}
	holds := make([]Hold, 0, len(out.Data))
	for _, d := range out.Data {
		holds = append(holds, Hold{ID: int64(d.ID), Name: string(d.Name), Type: string(d.Type), Active: bool(d.Active)})
	}
	return holds, nil
}

// RecordDetails are the record fields UpdateRecordDetails sets. Official
// is always sent; empty strings leave the other fields unchanged.
type RecordDetails struct {
	Official   bool
	Status     string // e.g. ACTIVE
	RecordDate string // YYYY-MM-DD or ISO date-time
	RSI        string
}

// UpdateRecordDetails changes the record details of an RM-classified node
// (PUT /api/v1/nodes/{id}/rmclassifications). metadataToken is
// RMState.MetadataToken from RMClassifications; a stale one fails with
// KindBadRequest.
func (c *Client) UpdateRecordDetails(ctx context.Context, nodeID int64, d RecordDetails, metadataToken string) error {
	body := recordFields(map[string]any{"rm_metadataToken": metadataToken}, d)
	form, err := bodyForm(body)
	if err != nil {
		return fmt.Errorf("opentext: UpdateRecordDetails: %w", err)
	}
	return c.call(ctx, request{method: http.MethodPut, path: fmt.Sprintf("/api/v1/nodes/%d/rmclassifications", nodeID), form: form}, nil)
}

// FinalizeRecords declares RM-classified nodes final records (PUT
// /api/v1/rmclassifications/finalizerecords, ids=1,2). Finalizing an
// already finalized record succeeds. Finalized records refuse new
// versions, category changes and moves (KindBadRequest naming the reason).
func (c *Client) FinalizeRecords(ctx context.Context, nodeIDs ...int64) error {
	if len(nodeIDs) == 0 {
		return errors.New("opentext: FinalizeRecords needs at least one node id")
	}
	return c.call(ctx, request{method: http.MethodPut, path: "/api/v1/rmclassifications/finalizerecords",
		form: url.Values{"ids": {joinIDs(nodeIDs)}}}, nil)
}

// ApplyHold puts a node under a hold (POST /api/v1/nodes/{id}/holds,
// hold_id=). A hold the node already has fails with KindConflict.
func (c *Client) ApplyHold(ctx context.Context, nodeID, holdID int64) error {
	return c.call(ctx, request{method: http.MethodPost, path: fmt.Sprintf("/api/v1/nodes/%d/holds", nodeID),
		form: url.Values{"hold_id": {strconv.FormatInt(holdID, 10)}}}, nil)
}

// RemoveHold takes a hold off a node (DELETE
// /api/v1/nodes/{id}/holds/{hold_id}); a hold the node does not have
// fails with KindBadRequest ("Object does not have this Hold").
func (c *Client) RemoveHold(ctx context.Context, nodeID, holdID int64) error {
	return c.call(ctx, request{method: http.MethodDelete, path: fmt.Sprintf("/api/v1/nodes/%d/holds/%d", nodeID, holdID)}, nil)
}

// recordFields adds the record details to a request body: official always,
// the others only when set.
func recordFields(body map[string]any, d RecordDetails) map[string]any {
	body["official"] = d.Official
	for key, v := range map[string]string{"status": d.Status, "record_date": d.RecordDate, "rsi": d.RSI} {
		if v != "" {
			body[key] = v
		}
	}
	return body
}
