package opentext

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// AuditEvent is one event of a node's audit trail.
type AuditEvent struct {
	NodeID  int64     `json:"nodeId"`
	Type    int       `json:"eventType"`
	Name    string    `json:"name"` // e.g. "Create", "Add Version"
	At      time.Time `json:"at"`
	UserID  int64     `json:"userId"`
	AgentID int64     `json:"agentId,omitempty"` // who acted on the user's behalf
}

// maxAuditPages bounds how many pages of a node's audit are read, so a
// wrong page_total cannot keep the loop going.
const maxAuditPages = 100

// NodeAudit reads a node's audit trail, oldest first
// (GET /api/v2/nodes/{id}/audit, sort=asc_audit_date, paged). A caller
// who may not read the audit gets OTCS's 400 as an *Error.
func (c *Client) NodeAudit(ctx context.Context, nodeID int64) ([]AuditEvent, error) {
	var out []AuditEvent
	q := url.Values{"sort": {"asc_audit_date"}, "limit": {"100"}}
	for page := 1; page <= maxAuditPages; page++ {
		q.Set("page", strconv.Itoa(page))
		var resp struct {
			Results struct {
				Data struct {
					Audit []struct {
						ID        int64    `json:"id"`
						EventType int      `json:"event_type"`
						AuditName string   `json:"audit_name"`
						AuditDate flexTime `json:"audit_date"`
						UserID    int64    `json:"user_id"`
						AgentID   int64    `json:"agent_id"`
					} `json:"audit"`
					EventTypes []struct {
						ID   int    `json:"id"`
						Name string `json:"name"`
					} `json:"audit_event_types"`
				} `json:"data"`
			} `json:"results"`
			Collection struct {
				Paging struct {
					PageTotal int `json:"page_total"`
				} `json:"paging"`
			} `json:"collection"`
		}
		if err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v2/nodes/%d/audit", nodeID), query: q}, &resp); err != nil {
			return nil, err
		}
		names := map[int]string{} // the canonical names, where audit_name is empty
		for _, t := range resp.Results.Data.EventTypes {
			names[t.ID] = t.Name
		}
		for _, a := range resp.Results.Data.Audit {
			e := AuditEvent{NodeID: a.ID, Type: a.EventType, Name: a.AuditName, At: time.Time(a.AuditDate), UserID: a.UserID}
			if e.Name == "" {
				e.Name = names[a.EventType]
			}
			if a.AgentID != a.UserID {
				e.AgentID = a.AgentID
			}
			out = append(out, e)
		}
		if page >= resp.Collection.Paging.PageTotal || len(resp.Results.Data.Audit) == 0 {
			return out, nil
		}
	}
	return out, fmt.Errorf("opentext: audit of node %d: more than %d pages", nodeID, maxAuditPages)
}
