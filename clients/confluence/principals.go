package confluence

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// User is a Confluence user as the caller may see them.
type User struct {
	// AccountID is the Cloud account id; on Data Center the user key (or
	// the username when the server sends no key).
	AccountID   string
	Username    string // Data Center's username; "" on Cloud
	DisplayName string
	// Email is "" when the site does not disclose it: a Cloud profile
	// whose privacy setting hides it, or a site that sends no email.
	Email string
}

// Group is a Confluence group. Cloud names a group by ID (a UUID) as well
// as by Name; Data Center groups have a name only (ID is "").
type Group struct{ ID, Name string }

type v1GroupJSON struct {
	ID   *string `json:"id"` // null for groups Cloud cannot resolve
	Name string  `json:"name"`
}

func (g v1GroupJSON) toGroup() Group {
	out := Group{Name: g.Name}
	if g.ID != nil {
		out.ID = *g.ID
	}
	return out
}

func (u v1UserJSON) toUser() User {
	return User{AccountID: u.id(), Username: u.Username, DisplayName: u.DisplayName, Email: u.Email}
}

// userQuery is how the user endpoints name a user: accountId on Cloud,
// key (a 32-hex user key) or username on Data Center.
func (c *Client) userQuery(id string) url.Values {
	switch {
	case c.flavor == Cloud:
		return url.Values{"accountId": {id}}
	case dcUserKey.MatchString(id):
		return url.Values{"key": {id}}
	default:
		return url.Values{"username": {id}}
	}
}

// User reads one user by account id (Data Center: user key or username).
// An unknown user is a KindNotFound error.
func (c *Client) User(ctx context.Context, accountID string) (*User, error) {
	if accountID == "" {
		return nil, badInput(http.MethodGet, "", "account id is empty")
	}
	var uj v1UserJSON
	if err := c.getJSON(ctx, c.v1+"/user?"+c.userQuery(accountID).Encode(), &uj); err != nil {
		return nil, err
	}
	u := uj.toUser()
	return &u, nil
}

// CurrentUser reads the user the client authenticates as.
func (c *Client) CurrentUser(ctx context.Context) (*User, error) {
	var uj v1UserJSON
	if err := c.getJSON(ctx, c.v1+"/user/current", &uj); err != nil {
		return nil, err
	}
	u := uj.toUser()
	return &u, nil
}

// FindGroup reads a group by name (Cloud: group/by-name, which gives its
// id too; Data Center: group/{name}). No such group is a KindNotFound
// error.
func (c *Client) FindGroup(ctx context.Context, name string) (*Group, error) {
	if name == "" {
		return nil, badInput(http.MethodGet, "", "group name is empty")
	}
	u := c.v1 + "/group/" + escape(name)
	if c.flavor == Cloud {
		u = c.v1 + "/group/by-name?" + url.Values{"name": {name}}.Encode()
	}
	var gj v1GroupJSON
	if err := c.getJSON(ctx, u, &gj); err != nil {
		return nil, err
	}
	g := gj.toGroup()
	return &g, nil
}

// GroupMembers lists every member of a group, following every result
// page. On Cloud it asks by g.ID when set (group/{id}/membersByGroupId),
// else by name; Data Center asks by name (group/{name}/member).
func (c *Client) GroupMembers(ctx context.Context, g Group) ([]User, error) {
	var u string
	switch {
	case c.flavor == Cloud && g.ID != "":
		u = c.v1 + "/group/" + escape(g.ID) + "/membersByGroupId?limit=200"
	case g.Name == "":
		return nil, badInput(http.MethodGet, "", "group has neither id nor name")
	case c.flavor == Cloud:
		u = c.v1 + "/group/member?" + url.Values{"name": {g.Name}, "limit": {"200"}}.Encode()
	default:
		u = c.v1 + "/group/" + escape(g.Name) + "/member?limit=200"
	}
	raw, err := allV1[v1UserJSON](ctx, c, u)
	if err != nil {
		return nil, err
	}
	out := make([]User, 0, len(raw))
	for _, uj := range raw {
		out = append(out, uj.toUser())
	}
	return out, nil
}

// GroupsOf lists the groups a user is a member of (user/memberof),
// following every result page.
func (c *Client) GroupsOf(ctx context.Context, accountID string) ([]Group, error) {
	if accountID == "" {
		return nil, badInput(http.MethodGet, "", "account id is empty")
	}
	q := c.userQuery(accountID)
	q.Set("limit", "200")
	raw, err := allV1[v1GroupJSON](ctx, c, c.v1+"/user/memberof?"+q.Encode())
	if err != nil {
		return nil, err
	}
	out := make([]Group, 0, len(raw))
	for _, gj := range raw {
		out = append(out, gj.toGroup())
	}
	return out, nil
}

// usersByID looks up Cloud users in bulk (user/bulk, 200 ids a call) and
// returns those found, by account id.
func (c *Client) usersByID(ctx context.Context, ids []string) (map[string]User, error) {
	out := map[string]User{}
	for len(ids) > 0 {
		n := min(len(ids), 200)
		q := url.Values{"limit": {"200"}, "accountId": {strings.Join(ids[:n], ",")}}
		var page v1List[v1UserJSON]
		if err := c.getJSON(ctx, c.v1+"/user/bulk?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		for _, uj := range page.Results {
			out[uj.id()] = uj.toUser()
		}
		ids = ids[n:]
	}
	return out, nil
}

// GroupByID reads a group by its id (Cloud's group/by-id; Data Center
// names groups only). No such group is a KindNotFound error.
func (c *Client) GroupByID(ctx context.Context, id string) (*Group, error) {
	if id == "" {
		return nil, badInput(http.MethodGet, "", "group id is empty")
	}
	var gj v1GroupJSON
	if err := c.getJSON(ctx, c.v1+"/group/by-id?"+url.Values{"id": {id}}.Encode(), &gj); err != nil {
		return nil, err
	}
	g := gj.toGroup()
	return &g, nil
}
