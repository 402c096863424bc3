package opentext

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// BusinessObjectRef names the object of a leading system (SAP,
// Salesforce, ...) that a business workspace stands for.
type BusinessObjectRef struct {
	System string // external_system_id, e.g. "SAP"
	Type   string // business_object_type, e.g. "PROJECT"
	ID     string // business_object_id
}

// Workspace is a business workspace (subtype 848): a container with a
// workspace type, linked to business objects.
type Workspace struct {
	Node
	TypeID     int64
	TypeName   string
	References []BusinessObjectRef // all linked business objects, the main one first
}

// wireWorkspace is GET /api/v2/businessworkspaces/{id}'s results.data.
type wireWorkspace struct {
	Properties struct {
		wireNode
		TypeID   flexInt    `json:"wnf_wksp_type_id"`
		TypeName flexString `json:"wksp_type_name"`
	} `json:"properties"`
	Business struct {
		TypeID   flexInt    `json:"workspace_type_id"`
		TypeName flexString `json:"workspace_type_name"`
		wireRef
	} `json:"business_properties"`
	References []wireRef `json:"workspace_references"`
}

type wireRef struct {
	System flexString `json:"external_system_id"`
	Type   flexString `json:"business_object_type"`
	ID     flexString `json:"business_object_id"`
}

func (w wireWorkspace) workspace() *Workspace {
	ws := &Workspace{Node: w.Properties.node(), TypeID: int64(w.Business.TypeID), TypeName: string(w.Business.TypeName)}
	if ws.TypeID == 0 {
		ws.TypeID = int64(w.Properties.TypeID)
	}
	if ws.TypeName == "" {
		ws.TypeName = string(w.Properties.TypeName)
	}
	refs := w.References
	if len(refs) == 0 && w.Business.ID != "" {
		// business_properties alone names only the main business object.
		refs = []wireRef{w.Business.wireRef}
	}
	for _, r := range refs {
		ws.References = append(ws.References, BusinessObjectRef{System: string(r.System), Type: string(r.Type), ID: string(r.ID)})
	}
	return ws
}

// BusinessWorkspace reads a business workspace with its type and business
// object references (GET /api/v2/businessworkspaces/{id}). An id that is
// not a business workspace fails with KindNotFound.
func (c *Client) BusinessWorkspace(ctx context.Context, id int64) (*Workspace, error) {
	var out struct {
		Results struct {
			Data wireWorkspace `json:"data"`
		} `json:"results"`
	}
	q := url.Values{"fields": {"properties", "business_properties", "workspace_references"}}
	if err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v2/businessworkspaces/%d", id), query: q}, &out); err != nil {
		return nil, err
	}
	return out.Results.Data.workspace(), nil
}

// FindBusinessWorkspace finds the business workspace linked to ref
// (GET /api/v2/businessworkspaces with where_ext_system_id, where_bo_type
// and where_bo_id) and reads it in full. It returns (nil, nil) when there
// is none, and a KindConflict error when several claim the same object,
// since picking one would file documents at random.
func (c *Client) FindBusinessWorkspace(ctx context.Context, ref BusinessObjectRef) (*Workspace, error) {
	if ref.System == "" || ref.Type == "" || ref.ID == "" {
		return nil, errors.New("opentext: FindBusinessWorkspace: System, Type and ID are all required")
	}
	// expanded_view=true searches every workspace, not only the ones the
	// bridge user accessed recently; two results are enough to see a clash.
	q := url.Values{"where_ext_system_id": {ref.System}, "where_bo_type": {ref.Type}, "where_bo_id": {ref.ID},
		"expanded_view": {"true"}, "limit": {"2"}, "fields": {"properties"}}
	const path = "/api/v2/businessworkspaces"
	var out struct {
		Paging struct {
			TotalCount flexInt `json:"total_count"`
		} `json:"paging"`
		Results []struct {
			Data struct {
				Properties wireNode `json:"properties"`
			} `json:"data"`
		} `json:"results"`
	}
	if err := c.call(ctx, request{method: http.MethodGet, path: path, query: q}, &out); err != nil {
		return nil, err
	}
	switch {
	case len(out.Results) == 0:
		return nil, nil
	case len(out.Results) > 1 || out.Paging.TotalCount > 1:
		return nil, &rest.Error{Service: service, Method: http.MethodGet, Path: path, Kind: rest.KindConflict,
			Message: fmt.Sprintf("%d business workspaces are linked to %s %s %s", max(int(out.Paging.TotalCount), len(out.Results)), ref.System, ref.Type, ref.ID)}
	}
	return c.BusinessWorkspace(ctx, int64(out.Results[0].Data.Properties.ID))
}

// EnclosingWorkspace returns the id of the nearest business workspace at
// or above a node (GET /api/v1/nodes/{id}/businessworkspace): the node's
// own id for a workspace, 0 when the node is in none.
func (c *Client) EnclosingWorkspace(ctx context.Context, nodeID int64) (int64, error) {
	var out struct {
		ID flexInt `json:"id"`
	}
	err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v1/nodes/%d/businessworkspace", nodeID)}, &out)
	var e *rest.Error
	if errors.As(err, &e) && e.StatusCode == http.StatusNotFound {
		return 0, nil // the documented answer for a node outside every workspace
	}
	if err != nil {
		return 0, err
	}
	return int64(out.ID), nil
}
