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

// Node is a Content Server item (folder, document, volume, ...).
type Node struct {
	ID, ParentID int64
	Name         string
	Description  string
	Type         int    // subtype: 0 folder, 144 document, 141 Enterprise Workspace, ...
	TypeName     string // e.g. "Folder"
	MimeType     string // documents only
	Size         int64  // bytes of the latest version; for containers the number of items
	CreateDate   time.Time
	ModifyDate   time.Time
	ModifyUserID int64  // who made the last change
	URL          string // URL items (140) only: the target
	Advanced     bool   // documents: advanced (major.minor) versioning
}

// Subtypes the client creates or recognises.
const (
	TypeFolder            = 0
	TypeURL               = 140
	TypeDocument          = 144
	TypeBusinessWorkspace = 848
)

// GetNode reads one node (GET /api/v2/nodes/{id}).
func (c *Client) GetNode(ctx context.Context, id int64) (*Node, error) {
	var out v2Node
	err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v2/nodes/%d", id),
		query: url.Values{"fields": {"properties"}}}, &out)
	if err != nil {
		return nil, err
	}
	n := out.Results.Data.Properties.node()
	return &n, nil
}

// ListOptions filters and pages a browse.
type ListOptions struct {
	WhereName  string // contains-match, case-insensitive on typical servers
	WhereTypes []int  // subtypes; -1 containers, -3 non-containers
	Page       int    // 1-based; 0 means 1
	Limit      int    // page size; 0 means the server default (25)
	// Sort is [asc_|desc_]column, e.g. "desc_modify_date" to read a
	// container newest change first; "" means the server's (by name).
	Sort string
}

// NodePage is one page of children.
type NodePage struct {
	Nodes      []Node
	Page       int
	PageTotal  int
	TotalCount int
	// ServedAt is the server's clock when it answered (its Date header).
	// It is zero when the server sent none, or when a listed modify date
	// carries no zone (the server's local time, not comparable with it).
	ServedAt time.Time
}

// ListChildren browses a container (GET /api/v2/nodes/{id}/nodes).
func (c *Client) ListChildren(ctx context.Context, parentID int64, opt ListOptions) (*NodePage, error) {
	q := url.Values{"fields": {"properties"}}
	if opt.WhereName != "" {
		q.Set("where_name", opt.WhereName)
	}
	for _, t := range opt.WhereTypes {
		q.Add("where_type", strconv.Itoa(t))
	}
	if opt.Page > 0 {
		q.Set("page", strconv.Itoa(opt.Page))
	}
	if opt.Limit > 0 {
		q.Set("limit", strconv.Itoa(opt.Limit))
	}
	if opt.Sort != "" {
		q.Set("sort", opt.Sort)
	}
	var out struct {
		Results []struct {
			Data struct {
				Properties wireNode `json:"properties"`
			} `json:"data"`
		} `json:"results"`
		Collection struct {
			Paging struct {
				Page       flexInt `json:"page"`
				PageTotal  flexInt `json:"page_total"`
				TotalCount flexInt `json:"total_count"`
			} `json:"paging"`
		} `json:"collection"`
	}
	var served time.Time
	if err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v2/nodes/%d/nodes", parentID), query: q, served: &served}, &out); err != nil {
		return nil, err
	}
	p := &NodePage{Page: int(out.Collection.Paging.Page), PageTotal: int(out.Collection.Paging.PageTotal), TotalCount: int(out.Collection.Paging.TotalCount),
		ServedAt: served}
	for _, r := range out.Results {
		w := r.Data.Properties
		if !w.ModifyDate.zoned && !w.ModifyDate.t.IsZero() {
			p.ServedAt = time.Time{}
		}
		p.Nodes = append(p.Nodes, w.node())
	}
	if p.Page == 0 {
		p.Page = max(opt.Page, 1)
	}
	return p, nil
}

// findPageSize is large enough that a lookup is normally one request.
const findPageSize = 100

// FindChild returns the child named name (compared case-insensitively, as
// OTCS compares names), or (nil, nil) when there is none. where_name is a
// contains-match, so every page is re-checked for the exact name.
func (c *Client) FindChild(ctx context.Context, parentID int64, name string) (*Node, error) {
	for page := 1; ; page++ {
		p, err := c.ListChildren(ctx, parentID, ListOptions{WhereName: name, Page: page, Limit: findPageSize})
		if err != nil {
			return nil, err
		}
		for i := range p.Nodes {
			if strings.EqualFold(p.Nodes[i].Name, name) {
				n := p.Nodes[i]
				return &n, nil
			}
		}
		if page >= p.PageTotal || len(p.Nodes) == 0 {
			return nil, nil
		}
	}
}

// CreateFolder creates a folder (POST /api/v2/nodes, type 0). A duplicate
// name fails with KindConflict.
func (c *Client) CreateFolder(ctx context.Context, parentID int64, name string) (*Node, error) {
	return c.createNode(ctx, map[string]any{"type": TypeFolder, "parent_id": parentID, "name": name})
}

// createNode creates an item without content (POST /api/v2/nodes, the
// form-encoded body of OTCS).
func (c *Client) createNode(ctx context.Context, body map[string]any) (*Node, error) {
	form, err := bodyForm(body)
	if err != nil {
		return nil, err
	}
	var out v2Node
	if err := c.call(ctx, request{method: http.MethodPost, path: "/api/v2/nodes", form: form}, &out); err != nil {
		return nil, err
	}
	n := out.Results.Data.Properties.node()
	return &n, nil
}

// EnsureFolderPath finds or creates each folder of segments below rootID
// and returns the last one. A create that loses a race ("already exists")
// reads the winner's folder instead of failing.
//
// A resolved path is reused for a minute (folderPathTTL), so a worker does
// not walk the same path for every document; ForgetFolders drops it early.
func (c *Client) EnsureFolderPath(ctx context.Context, rootID int64, segments []string) (*Node, error) {
	key := "path:" + strconv.FormatInt(rootID, 10) + "/" + strings.Join(segments, "/")
	n, err := fill(ctx, &c.cache, key, folderPathTTL, func(ctx context.Context) (Node, error) {
		n, err := c.ensureFolderPath(ctx, rootID, segments)
		if err != nil {
			return Node{}, err
		}
		return *n, nil
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// ForgetFolders drops the resolved folder paths (and category
// definitions): after a create into a cached folder failed because the
// folder is gone, the next attempt resolves the path again.
func (c *Client) ForgetFolders() { c.cache.forget() }

func (c *Client) ensureFolderPath(ctx context.Context, rootID int64, segments []string) (*Node, error) {
	cur := &Node{ID: rootID}
	if len(segments) == 0 {
		return c.GetNode(ctx, rootID)
	}
	for _, seg := range segments {
		next, err := c.FindChild(ctx, cur.ID, seg)
		if err != nil {
			return nil, err
		}
		if next == nil {
			next, err = c.CreateFolder(ctx, cur.ID, seg)
			if rest.IsKind(err, rest.KindConflict) {
				next, err = c.FindChild(ctx, cur.ID, seg)
				if err == nil && next == nil {
					err = &rest.Error{Service: service, Method: http.MethodGet, Path: fmt.Sprintf("/api/v2/nodes/%d/nodes", cur.ID),
						Kind: rest.KindConflict, Message: fmt.Sprintf("folder %q reported as existing but not found", seg)}
				}
			}
			if err != nil {
				return nil, err
			}
		}
		if next.Type == TypeDocument {
			return nil, &rest.Error{Service: service, Method: http.MethodGet, Path: fmt.Sprintf("/api/v2/nodes/%d/nodes", cur.ID),
				Kind: rest.KindConflict, Message: fmt.Sprintf("path segment %q is a document (node %d), not a folder", seg, next.ID)}
		}
		cur = next
	}
	return cur, nil
}

// NodeURL is the Smart UI link to a node.
func (c *Client) NodeURL(id int64) string {
	return fmt.Sprintf("%s/app/nodes/%d", c.base, id)
}

// MoveNode moves a node into another container (PUT /api/v2/nodes/{id}
// with parent_id) and returns it as moved. An item of the same name in the
// target fails with KindConflict; a node under hold or a finalized record
// fails with KindBadRequest naming the reason.
func (c *Client) MoveNode(ctx context.Context, nodeID, parentID int64) (*Node, error) {
	return c.putNode(ctx, nodeID, map[string]any{"parent_id": parentID})
}

// UpdateNode renames and/or re-describes a node (PUT /api/v2/nodes/{id});
// an empty name or description leaves that property unchanged. A name
// taken in the parent fails with KindConflict.
func (c *Client) UpdateNode(ctx context.Context, nodeID int64, name, description string) (*Node, error) {
	body := map[string]any{}
	if name != "" {
		body["name"] = name
	}
	if description != "" {
		body["description"] = description
	}
	return c.putNode(ctx, nodeID, body)
}

func (c *Client) putNode(ctx context.Context, nodeID int64, body map[string]any) (*Node, error) {
	form, err := bodyForm(body)
	if err != nil {
		return nil, err
	}
	r := request{method: http.MethodPut, path: fmt.Sprintf("/api/v2/nodes/%d", nodeID), form: form}
	var out v2Node
	if err := c.call(ctx, r, &out); err != nil {
		return nil, err
	}
	n := out.Results.Data.Properties.node()
	if n.ID == 0 {
		// The documented answer has an empty `results`; read the node back.
		return c.GetNode(ctx, nodeID)
	}
	return &n, nil
}
