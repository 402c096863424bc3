package confluence

import (
	"context"
	"net/http"
	"strconv"
	"sync"
)

// PageReadRestriction is one page's own read (view) restriction: the
// users and groups it admits.
type PageReadRestriction struct {
	PageID string
	Users  []User  // AccountID always; Email and DisplayName where the site discloses them
	Groups []Group // Name always; ID on Cloud
}

// ancestorBatch is how many ancestors one v2 call asks for (the spec's
// maximum limit).
const ancestorBatch = 250

// Ancestors returns the ids of a page's ancestors, the top-most first
// (Cloud: v2 …/pages/{id}/ancestors, which is not cursor-paged: a full
// batch is continued by asking for the ancestors of its first entry;
// Data Center: v1 expand=ancestors).
func (c *Client) Ancestors(ctx context.Context, pageID string) ([]string, error) {
	if pageID == "" {
		return nil, badInput(http.MethodGet, "", "page id is empty")
	}
	if c.flavor == DataCenter {
		var cj v1ContentJSON
		if err := c.getJSON(ctx, c.v1+"/content/"+escape(pageID)+"?expand=ancestors", &cj); err != nil {
			return nil, err
		}
		out := make([]string, 0, len(cj.Ancestors))
		for _, a := range cj.Ancestors {
			out = append(out, string(a.ID))
		}
		return out, nil
	}
	var out []string
	for from, n := pageID, 0; n < maxPages; n++ {
		var list v2List[struct {
			ID flexID `json:"id"`
		}]
		u := c.v2 + "/pages/" + escape(from) + "/ancestors?limit=" + strconv.Itoa(ancestorBatch)
		if err := c.getJSON(ctx, u, &list); err != nil {
			return nil, err
		}
		batch := make([]string, 0, len(list.Results))
		for _, a := range list.Results {
			batch = append(batch, string(a.ID))
		}
		out = append(batch, out...)
		if len(batch) < ancestorBatch {
			break
		}
		from = batch[0]
	}
	return out, nil
}

// EffectiveReadRestriction returns the read restrictions that govern who
// may view the page: its own and each ancestor's, as Confluence's view
// restrictions cascade to descendants (edit restrictions do not). Only
// restricted pages are listed, the top-most ancestor first and the page
// itself last; an empty list means no restriction applies and the space's
// view permission alone decides (see SpaceReadPermissions).
//
// A person may read the page only when every entry admits them: they are
// among its Users, or a member of one of its Groups. The caller computes
// that intersection; this call only reports the restrictions, as the
// restriction API shows each page's own ones.
//
// On Cloud, users whose email the restriction did not carry are looked up
// in bulk; Email stays "" for those whose profile hides it.
func (c *Client) EffectiveReadRestriction(ctx context.Context, pageID string) ([]PageReadRestriction, error) {
	return c.EffectiveReadRestrictionOf(ctx, &Page{ID: pageID})
}

// restrictionReads is how many restriction reads of one chain run at once.
const restrictionReads = 4

// EffectiveReadRestrictionOf is EffectiveReadRestriction of a page read
// with GetPage: a Cloud page at the space root (no parent) needs only its
// own restriction. Any other page's chain is read in one v1 request that
// expands the ancestors and every level's read restriction, so all levels
// are seen at one moment; a server whose answer lacks an expansion, or
// pages a list, is asked level by level instead.
func (c *Client) EffectiveReadRestrictionOf(ctx context.Context, page *Page) ([]PageReadRestriction, error) {
	var levels []PageReadRestriction
	var err error
	if page.parentKnown && page.ParentID == "" {
		var own PageReadRestriction
		own, err = c.readRestriction(ctx, page.ID)
		levels = []PageReadRestriction{own}
	} else {
		var whole bool
		if levels, whole, err = c.chainReadRestrictions(ctx, page.ID); err == nil && !whole {
			levels, err = c.levelReadRestrictions(ctx, page.ID)
		}
	}
	if err != nil {
		return nil, err
	}
	return c.restrictedLevels(ctx, levels)
}

// chainExpansion asks v1 content for the ancestors and the read
// restriction of each one and of the page.
const chainExpansion = "ancestors,ancestors.restrictions.read.restrictions.user,ancestors.restrictions.read.restrictions.group," +
	"restrictions.read.restrictions.user,restrictions.read.restrictions.group"

// chainReadRestrictions reads the page's ancestors and every level's own
// read restriction in one request. whole is false when the answer cannot
// be trusted to be complete: a level without its restriction expanded, or
// a user or group list with more pages.
func (c *Client) chainReadRestrictions(ctx context.Context, pageID string) (levels []PageReadRestriction, whole bool, err error) {
	if pageID == "" {
		return nil, false, badInput(http.MethodGet, "", "page id is empty")
	}
	var cj struct {
		restrictedContentJSON
		Ancestors []restrictedContentJSON `json:"ancestors"`
	}
	if err := c.getJSON(ctx, c.v1+"/content/"+escape(pageID)+"?expand="+chainExpansion, &cj); err != nil {
		return nil, false, err
	}
	cj.ID = flexID(pageID)
	for _, level := range append(cj.Ancestors, cj.restrictedContentJSON) {
		r, ok := level.readRestriction()
		if !ok {
			return nil, false, nil
		}
		levels = append(levels, r)
	}
	return levels, true, nil
}

// levelReadRestrictions lists the ancestors, then reads each level's
// restriction, a few at a time.
func (c *Client) levelReadRestrictions(ctx context.Context, pageID string) ([]PageReadRestriction, error) {
	chain, err := c.Ancestors(ctx, pageID)
	if err != nil {
		return nil, err
	}
	chain = append(chain, pageID)
	levels := make([]PageReadRestriction, len(chain))
	errs := make([]error, len(chain))
	var wg sync.WaitGroup
	sem := make(chan struct{}, restrictionReads)
	for i, id := range chain {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			levels[i], errs[i] = c.readRestriction(ctx, id)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return levels, nil
}

// restrictedLevels keeps the levels that restrict anyone and, on Cloud,
// looks up the emails their restrictions did not carry.
func (c *Client) restrictedLevels(ctx context.Context, levels []PageReadRestriction) ([]PageReadRestriction, error) {
	var out []PageReadRestriction
	var noEmail []string
	for _, r := range levels {
		if len(r.Users)+len(r.Groups) == 0 {
			continue
		}
		for _, u := range r.Users {
			if u.Email == "" {
				noEmail = append(noEmail, u.AccountID)
			}
		}
		out = append(out, r)
	}
	if c.flavor != Cloud || len(noEmail) == 0 {
		return out, nil
	}
	found, err := c.usersByID(ctx, noEmail)
	if err != nil {
		return nil, err
	}
	for i := range out {
		for j, u := range out[i].Users {
			if f, ok := found[u.AccountID]; ok && u.Email == "" {
				out[i].Users[j].Email = f.Email
				if u.DisplayName == "" {
					out[i].Users[j].DisplayName = f.DisplayName
				}
			}
		}
	}
	return out, nil
}

// readRestriction reads one page's own read restriction (v1
// …/restriction/byOperation/read).
func (c *Client) readRestriction(ctx context.Context, pageID string) (PageReadRestriction, error) {
	var op restrictionJSON
	u := c.restrictionURL(pageID) + "/byOperation/read?expand=restrictions.user,restrictions.group"
	if err := c.getJSON(ctx, u, &op); err != nil {
		return PageReadRestriction{}, err
	}
	return op.toRead(pageID), nil
}

// toRead is the read restriction op lists for pageID.
func (op restrictionJSON) toRead(pageID string) PageReadRestriction {
	out := PageReadRestriction{PageID: pageID}
	for _, s := range op.Restrictions.User {
		if s.id() != "" {
			out.Users = append(out.Users, s.toUser())
		}
	}
	for _, s := range op.Restrictions.Group {
		if s.Name != "" || s.ID != nil {
			out.Groups = append(out.Groups, v1GroupJSON{ID: s.ID, Name: s.Name}.toGroup())
		}
	}
	return out
}

// SetReadRestriction makes users (account ids; Data Center: user keys or
// usernames) and groups (names) the only ones allowed to view the page
// and, through inheritance, its descendants; the page's update
// restriction is kept as it is. Empty users and groups remove the read
// restriction. The caller should normally list its own account, or it
// loses sight of the page (KindNotFound from then on).
//
// Confluence's PUT replaces all restrictions in one request, so the page
// is never left without its update restriction in between; the call reads
// the update restriction first and sends it back unchanged, and clears
// all restrictions with DELETE when nothing remains restricted.
func (c *Client) SetReadRestriction(ctx context.Context, pageID string, users, groups []string) error {
	if pageID == "" {
		return badInput(http.MethodPut, "", "page id is empty")
	}
	cur, err := c.Restrictions(ctx, pageID)
	if err != nil {
		return err
	}
	updateEmpty := len(cur.UpdateUsers) == 0 && len(cur.UpdateGroups) == 0
	if updateEmpty && len(users) == 0 && len(groups) == 0 {
		return c.callJSON(ctx, http.MethodDelete, c.restrictionURL(pageID), nil, nil)
	}
	var body []map[string]any
	if len(users)+len(groups) > 0 {
		body = append(body, c.restrictionOp("read", users, groups))
	}
	if !updateEmpty {
		body = append(body, c.restrictionOp("update", cur.UpdateUsers, cur.UpdateGroups))
	}
	return c.callJSON(ctx, http.MethodPut, c.restrictionURL(pageID), body, nil)
}

// RemoveReadRestriction lifts the page's own read restriction, keeping its
// update restriction; restrictions inherited from ancestors stay.
func (c *Client) RemoveReadRestriction(ctx context.Context, pageID string) error {
	return c.SetReadRestriction(ctx, pageID, nil, nil)
}

// Principal is who a space permission is assigned to: Type "user" (ID an
// account id), "group" (ID a group id) or "role".
type Principal struct{ Type, ID string }

// SpaceReadPermissions lists who holds the space's "View space"
// permission (v2 …/spaces/{id}/permissions, operation read on target
// space), following every result page. A person not covered, directly or
// through a group, sees none of the space's pages. Cloud only: Data
// Center has no REST API for space permissions (KindBadRequest).
func (c *Client) SpaceReadPermissions(ctx context.Context, spaceID string) ([]Principal, error) {
	if spaceID == "" {
		return nil, badInput(http.MethodGet, "", "space id is empty")
	}
	if c.flavor == DataCenter {
		return nil, badInput(http.MethodGet, "", "space permissions have no REST API on Confluence Data Center")
	}
	type assignment struct {
		Principal struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"principal"`
		Operation struct {
			Key        string `json:"key"`
			TargetType string `json:"targetType"`
		} `json:"operation"`
	}
	raw, err := allV2[assignment](ctx, c, c.v2+"/spaces/"+escape(spaceID)+"/permissions?limit=250")
	if err != nil {
		return nil, err
	}
	out := []Principal{}
	for _, a := range raw {
		if a.Operation.Key == "read" && a.Operation.TargetType == "space" {
			out = append(out, Principal{Type: a.Principal.Type, ID: a.Principal.ID})
		}
	}
	return out, nil
}

// PermissionCheck is the answer of CheckPermission.
type PermissionCheck struct {
	HasPermission bool
	Errors        []string // why not, in Confluence's words (e.g. "User does not have permission to the content")
}

// CheckPermission asks Confluence whether a subject may perform op
// ("read", "update" or "delete") on the content (Cloud v1
// …/content/{id}/permission/check), taking space permissions and
// inherited restrictions into account. The subject is Principal{Type:
// "user", ID: accountID} or Principal{Type: "group", ID: groupID}. A
// denial is an answer, not an error. Checking anyone but oneself needs
// the Confluence Administrator permission (KindForbidden otherwise).
// Cloud only (KindBadRequest on Data Center).
func (c *Client) CheckPermission(ctx context.Context, pageID string, subject Principal, op string) (*PermissionCheck, error) {
	switch {
	case pageID == "" || subject.ID == "":
		return nil, badInput(http.MethodPost, "", "page id and subject id are required")
	case subject.Type != "user" && subject.Type != "group":
		return nil, badInput(http.MethodPost, "", "subject type must be user or group")
	case op != "read" && op != "update" && op != "delete":
		return nil, badInput(http.MethodPost, "", "operation must be read, update or delete")
	case c.flavor == DataCenter:
		return nil, badInput(http.MethodPost, "", "the content permission check is not available on Confluence Data Center")
	}
	in := map[string]any{"subject": map[string]string{"type": subject.Type, "identifier": subject.ID}, "operation": op}
	var doc struct {
		HasPermission bool `json:"hasPermission"`
		Errors        []struct {
			Translation string `json:"translation"`
		} `json:"errors"`
	}
	u := c.v1 + "/content/" + escape(pageID) + "/permission/check"
	if err := c.callJSON(ctx, http.MethodPost, u, in, &doc); err != nil {
		return nil, err
	}
	out := &PermissionCheck{HasPermission: doc.HasPermission}
	for _, e := range doc.Errors {
		out.Errors = append(out.Errors, e.Translation)
	}
	return out, nil
}
