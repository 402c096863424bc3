package confluence

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
)

// Restrictions are a page's view ("read") and edit ("update")
// restrictions. Users are account ids on Cloud and user keys (or user
// names, when the server sends no key) on Data Center; groups are names.
// Empty lists mean the operation is not restricted.
type Restrictions struct {
	UpdateUsers, UpdateGroups, ReadUsers, ReadGroups []string
}

// restrictionSubjects is restrictions.user or restrictions.group: a
// paged {results:[...]} object (what servers send) or a plain array.
type restrictionSubjects []struct {
	v1UserJSON
	Name string  `json:"name"`
	ID   *string `json:"id"` // a group's id (Cloud)
}

func (r *restrictionSubjects) UnmarshalJSON(b []byte) error {
	type list restrictionSubjects
	var wrapped struct {
		Results list `json:"results"`
	}
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, (*list)(r))
	}
	if err := json.Unmarshal(b, &wrapped); err != nil {
		return err
	}
	*r = restrictionSubjects(wrapped.Results)
	return nil
}

type restrictionJSON struct {
	Operation    string `json:"operation"`
	Restrictions struct {
		User  restrictionSubjects `json:"user"`
		Group restrictionSubjects `json:"group"`
	} `json:"restrictions"`
}

func (c *Client) restrictionURL(pageID string) string {
	return c.v1 + "/content/" + escape(pageID) + "/restriction"
}

// Restrictions reads a page's restrictions (v1 on both flavors; v2 has no
// restriction API).
func (c *Client) Restrictions(ctx context.Context, pageID string) (*Restrictions, error) {
	if pageID == "" {
		return nil, badInput(http.MethodGet, "", "page id is empty")
	}
	var doc struct {
		Results []restrictionJSON `json:"results"`
	}
	if err := c.getJSON(ctx, c.restrictionURL(pageID)+"?expand=restrictions.user,restrictions.group", &doc); err != nil {
		return nil, err
	}
	out := &Restrictions{}
	for _, op := range doc.Results {
		var users, groups []string
		for _, u := range op.Restrictions.User {
			if id := u.id(); id != "" {
				users = append(users, id)
			}
		}
		for _, g := range op.Restrictions.Group {
			if g.Name != "" {
				groups = append(groups, g.Name)
			}
		}
		switch op.Operation {
		case "update":
			out.UpdateUsers, out.UpdateGroups = users, groups
		case "read":
			out.ReadUsers, out.ReadGroups = users, groups
		}
	}
	return out, nil
}

// dcUserKey matches a Data Center user key (32 hex digits); anything else
// sent to DC is taken as a user name.
var dcUserKey = regexp.MustCompile(`^[0-9a-f]{32}$`)

func (c *Client) restrictionUser(id string) map[string]string {
	switch {
	case c.flavor == Cloud:
		return map[string]string{"type": "known", "accountId": id}
	case dcUserKey.MatchString(id):
		return map[string]string{"type": "known", "userKey": id}
	default:
		return map[string]string{"type": "known", "username": id}
	}
}

func (c *Client) restrictionOp(op string, users, groups []string) map[string]any {
	us := make([]map[string]string, 0, len(users))
	for _, u := range users {
		us = append(us, c.restrictionUser(u))
	}
	gs := make([]map[string]string, 0, len(groups))
	for _, g := range groups {
		gs = append(gs, map[string]string{"type": "group", "name": g})
	}
	return map[string]any{"operation": op, "restrictions": map[string]any{"user": us, "group": gs}}
}

// SetUpdateRestriction makes users and groups the only ones allowed to
// edit the page, keeping its read restriction as it is. Empty users and
// groups remove the update restriction. The caller should normally list
// its own account: once the restriction is set, everyone not listed gets
// 403 (KindForbidden) on edits, labels and attachments.
//
// Confluence's PUT replaces all restrictions, so the call reads the read
// restriction first and sends it back unchanged; when nothing remains
// restricted it clears all restrictions with DELETE instead.
func (c *Client) SetUpdateRestriction(ctx context.Context, pageID string, users, groups []string) error {
	if pageID == "" {
		return badInput(http.MethodPut, "", "page id is empty")
	}
	cur, err := c.Restrictions(ctx, pageID)
	if err != nil {
		return err
	}
	readEmpty := len(cur.ReadUsers) == 0 && len(cur.ReadGroups) == 0
	if readEmpty && len(users) == 0 && len(groups) == 0 {
		return c.callJSON(ctx, http.MethodDelete, c.restrictionURL(pageID), nil, nil)
	}
	body := []map[string]any{c.restrictionOp("update", users, groups)}
	if !readEmpty {
		body = append([]map[string]any{c.restrictionOp("read", cur.ReadUsers, cur.ReadGroups)}, body...)
	}
	return c.callJSON(ctx, http.MethodPut, c.restrictionURL(pageID), body, nil)
}

// restrictedContentJSON is a v1 content object, or one of its ancestors,
// with its read restriction expanded.
type restrictedContentJSON struct {
	ID           flexID `json:"id"`
	Restrictions struct {
		Read *struct {
			Restrictions struct {
				User  *expandedSubjects `json:"user"`
				Group *expandedSubjects `json:"group"`
			} `json:"restrictions"`
		} `json:"read"`
	} `json:"restrictions"`
}

// readRestriction is the level's read restriction; ok is false when the
// answer did not expand both lists, or either has more pages.
func (r restrictedContentJSON) readRestriction() (_ PageReadRestriction, ok bool) {
	read := r.Restrictions.Read
	if r.ID == "" || read == nil || read.Restrictions.User == nil || read.Restrictions.Group == nil ||
		!read.Restrictions.User.whole || !read.Restrictions.Group.whole {
		return PageReadRestriction{}, false
	}
	var op restrictionJSON
	op.Restrictions.User = read.Restrictions.User.restrictionSubjects
	op.Restrictions.Group = read.Restrictions.Group.restrictionSubjects
	return op.toRead(string(r.ID)), true
}

// expandedSubjects is a user or group list expanded inside another
// object, which v1 pages like any list: whole says no entry was left out.
type expandedSubjects struct {
	restrictionSubjects
	whole bool
}

func (e *expandedSubjects) UnmarshalJSON(b []byte) error {
	if err := e.restrictionSubjects.UnmarshalJSON(b); err != nil {
		return err
	}
	if len(b) > 0 && b[0] == '[' {
		e.whole = true
		return nil
	}
	var page struct {
		Size  int `json:"size"`
		Limit int `json:"limit"`
		Links struct {
			Next string `json:"next"`
		} `json:"_links"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		return err
	}
	e.whole = page.Links.Next == "" && (page.Limit == 0 || page.Size < page.Limit)
	return nil
}
