package opentext

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Member is a Content Server user (Type MemberUser) or group (MemberGroup).
type Member struct {
	ID        int64
	Name      string // login name of a user, name of a group
	Type      int
	TypeName  string // "User", "Group"
	FirstName string
	LastName  string
	Email     string // business_email
	GroupID   int64  // a user's base group (department)
	Deleted   bool
}

// Member types (where_type).
const (
	MemberUser  = 0
	MemberGroup = 1
)

// membersPageSize is the largest page GET /api/v2/members hands out; OTCS
// clamps larger limits (pyxecm clamps to 20 as well).
const membersPageSize = 20

// groupMembersPageSize pages group member lists, which have no such cap.
const groupMembersPageSize = 100

// wireMember is a member as results[].data.properties carries it.
type wireMember struct {
	ID        flexInt    `json:"id"`
	Name      flexString `json:"name"`
	Type      flexInt    `json:"type"`
	TypeName  flexString `json:"type_name"`
	FirstName flexString `json:"first_name"`
	LastName  flexString `json:"last_name"`
	Email     flexString `json:"business_email"`
	GroupID   flexInt    `json:"group_id"`
	Deleted   flexBool   `json:"deleted"`
}

func (w wireMember) member() Member {
	return Member{ID: int64(w.ID), Name: string(w.Name), Type: int(w.Type), TypeName: string(w.TypeName),
		FirstName: string(w.FirstName), LastName: string(w.LastName), Email: string(w.Email), GroupID: int64(w.GroupID), Deleted: bool(w.Deleted)}
}

// memberList is the v2 list shape of the member endpoints.
type memberList struct {
	Results []struct {
		Data struct {
			Properties wireMember `json:"properties"`
		} `json:"data"`
	} `json:"results"`
	Collection struct {
		Paging struct {
			PageTotal flexInt `json:"page_total"`
		} `json:"paging"`
	} `json:"collection"`
}

// eachMember pages through a member list at path with q, calling fn for
// every member until fn returns true (found) or the pages run out.
func (c *Client) eachMember(ctx context.Context, path string, q url.Values, pageSize int, fn func(Member) bool) error {
	// A server's page_total is believed up to this many pages, so a wrong
	// one cannot keep the loop going forever.
	const maxMemberPages = 1000
	for page := 1; page <= maxMemberPages; page++ {
		q.Set("page", strconv.Itoa(page))
		q.Set("limit", strconv.Itoa(pageSize))
		var out memberList
		if err := c.call(ctx, request{method: http.MethodGet, path: path, query: q}, &out); err != nil {
			return err
		}
		for _, r := range out.Results {
			if fn(r.Data.Properties.member()) {
				return nil
			}
		}
		if page >= int(out.Collection.Paging.PageTotal) || len(out.Results) == 0 {
			return nil
		}
	}
	return fmt.Errorf("opentext: %s: more than %d pages of members", path, maxMemberPages)
}

// GetMember reads a user or group by id (GET /api/v2/members/{id}).
func (c *Client) GetMember(ctx context.Context, id int64) (*Member, error) {
	var out struct {
		Results struct {
			Data struct {
				Properties wireMember `json:"properties"`
			} `json:"data"`
		} `json:"results"`
	}
	if err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v2/members/%d", id)}, &out); err != nil {
		return nil, err
	}
	m := out.Results.Data.Properties.member()
	return &m, nil
}

// FindGroup returns the group named name (compared case-insensitively),
// or (nil, nil) when there is none. where_name is a contains-match, so
// every page is re-checked for the exact name.
func (c *Client) FindGroup(ctx context.Context, name string) (*Member, error) {
	if name == "" {
		return nil, errors.New("opentext: FindGroup: name is required")
	}
	q := url.Values{"where_type": {strconv.Itoa(MemberGroup)}, "where_name": {name}}
	return c.findMember(ctx, q, func(m Member) bool { return strings.EqualFold(m.Name, name) })
}

// FindUser returns the user whose login name or, for an argument with an
// @, business e-mail equals loginOrEmail (case-insensitively), or
// (nil, nil) when there is none. Mapping a Confluence account to an OTCS
// user goes through this, so a contains-match is never taken for a hit.
func (c *Client) FindUser(ctx context.Context, loginOrEmail string) (*Member, error) {
	if loginOrEmail == "" {
		return nil, errors.New("opentext: FindUser: login or e-mail is required")
	}
	q := url.Values{"where_type": {strconv.Itoa(MemberUser)}}
	match := func(m Member) bool { return strings.EqualFold(m.Name, loginOrEmail) }
	if strings.Contains(loginOrEmail, "@") {
		q.Set("where_business_email", loginOrEmail)
		match = func(m Member) bool { return strings.EqualFold(m.Email, loginOrEmail) }
	} else {
		q.Set("where_name", loginOrEmail)
	}
	return c.findMember(ctx, q, match)
}

// findMember searches GET /api/v2/members page by page for the first
// member match accepts.
func (c *Client) findMember(ctx context.Context, q url.Values, match func(Member) bool) (*Member, error) {
	var found *Member
	err := c.eachMember(ctx, "/api/v2/members", q, membersPageSize, func(m Member) bool {
		if match(m) {
			found = &m
		}
		return found != nil
	})
	return found, err
}

// GroupMembers lists a group's direct members, users first, then groups
// (GET /api/v2/members/{id}/members, every page). Each type is asked for
// on its own, with one where_type as pyxecm sends it. An id that is no
// group fails with the server's error ("Invalid group {id}").
func (c *Client) GroupMembers(ctx context.Context, groupID int64) ([]Member, error) {
	var out []Member
	for _, typ := range []int{MemberUser, MemberGroup} {
		q := url.Values{"where_type": {strconv.Itoa(typ)}}
		err := c.eachMember(ctx, fmt.Sprintf("/api/v2/members/%d/members", groupID), q, groupMembersPageSize, func(m Member) bool {
			out = append(out, m)
			return false
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
