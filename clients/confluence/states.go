package confluence

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// ContentState is a page's content state: the status lozenge of
// Confluence Cloud ("Rough draft", "Ready for review", or a custom state).
// Ids 0, 1 and 2 are the default space states.
type ContentState struct {
	ID        int
	Name      string
	Color     string    // #rrggbb
	UpdatedAt time.Time // when the published state last changed; zero when the server did not say
}

// maxContentStateName is Confluence's limit on a state name, in characters.
const maxContentStateName = 20

var contentStateColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

type contentStateJSON struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

// contentStateResponseJSON is v1's ContentStateResponse; contentState is
// null when the page has none.
type contentStateResponseJSON struct {
	ContentState *contentStateJSON `json:"contentState"`
	LastUpdated  flexTime          `json:"lastUpdated"`
}

func (r contentStateResponseJSON) toContentState() *ContentState {
	if r.ContentState == nil {
		return nil
	}
	return &ContentState{ID: r.ContentState.ID, Name: r.ContentState.Name, Color: r.ContentState.Color,
		UpdatedAt: r.LastUpdated.Time()}
}

// noStatesOnDC is the error of a content state write on Data Center,
// which has no content states.
func noStatesOnDC(method string) error {
	return badInput(method, "", "content states are not supported on Confluence Data Center")
}

func (c *Client) stateURL(pageID string) string {
	return c.v1 + "/content/" + escape(pageID) + "/state?status=current"
}

// ContentState reads the content state of the page's published version;
// it is nil when the page has none. Content states exist on Confluence
// Cloud only (REST v1): on Data Center, which has none, ContentState
// returns nil, nil without calling the server.
func (c *Client) ContentState(ctx context.Context, pageID string) (*ContentState, error) {
	if pageID == "" {
		return nil, badInput(http.MethodGet, "", "page id is empty")
	}
	if c.flavor == DataCenter {
		return nil, nil
	}
	var out contentStateResponseJSON
	if err := c.getJSON(ctx, c.stateURL(pageID), &out); err != nil {
		return nil, err
	}
	return out.toContentState(), nil
}

// SetContentState puts the state with this name and color on the page
// (Cloud only): a space state of that name and color when there is one,
// else the caller's custom state, which Confluence creates when new. The
// name is at most 20 characters and the color #RRGGBB; anything else is a
// KindBadRequest error before any request is sent. Confluence publishes a
// new page version (body unchanged) by the caller, so the page's version
// number goes up.
func (c *Client) SetContentState(ctx context.Context, pageID, name, color string) (*ContentState, error) {
	if pageID == "" || name == "" {
		return nil, badInput(http.MethodPut, "", "page id and state name are required")
	}
	if utf8.RuneCountInString(name) > maxContentStateName {
		return nil, badInput(http.MethodPut, "", fmt.Sprintf("content state name is longer than %d characters", maxContentStateName))
	}
	if !contentStateColor.MatchString(color) {
		return nil, badInput(http.MethodPut, "", fmt.Sprintf("content state color %q is not of the form #RRGGBB", color))
	}
	return c.putContentState(ctx, pageID, map[string]any{"name": name, "color": color})
}

// SetSpaceContentState puts the space state with this id (0, 1 and 2 are
// the defaults) on the page, like SetContentState (Cloud only). An id the
// space does not offer is a KindBadRequest error from the server.
func (c *Client) SetSpaceContentState(ctx context.Context, pageID string, stateID int) (*ContentState, error) {
	if pageID == "" {
		return nil, badInput(http.MethodPut, "", "page id is empty")
	}
	return c.putContentState(ctx, pageID, map[string]any{"id": stateID})
}

func (c *Client) putContentState(ctx context.Context, pageID string, body map[string]any) (*ContentState, error) {
	if c.flavor == DataCenter {
		return nil, noStatesOnDC(http.MethodPut)
	}
	var out contentStateResponseJSON
	if err := c.callJSONWith(ctx, http.MethodPut, c.stateURL(pageID), noCheck, body, &out); err != nil {
		return nil, err
	}
	st := out.toContentState()
	if st == nil {
		return nil, &rest.Error{Service: service, Method: http.MethodPut, Path: pathOf(c.stateURL(pageID)), StatusCode: http.StatusOK,
			Kind: rest.KindProtocol, Message: "the answer to setting a content state has no contentState"}
	}
	return st, nil
}

// RemoveContentState removes the page's published content state (Cloud
// only); Confluence publishes a new page version for it. On Data Center
// it is a KindBadRequest error.
func (c *Client) RemoveContentState(ctx context.Context, pageID string) error {
	if pageID == "" {
		return badInput(http.MethodDelete, "", "page id is empty")
	}
	if c.flavor == DataCenter {
		return noStatesOnDC(http.MethodDelete)
	}
	return c.callJSONWith(ctx, http.MethodDelete, c.stateURL(pageID), noCheck, nil, nil)
}

// noCheck is X-Atlassian-Token: no-check, which Atlassian's clients send on
// content state writes so that Confluence's XSRF filter never stands in
// the way.
var noCheck = http.Header{"X-Atlassian-Token": {"no-check"}}
