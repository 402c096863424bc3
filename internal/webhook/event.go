// Package webhook receives Confluence events: it authenticates each
// delivery, parses it, drops what the bridge must not act on (its own edits,
// irrelevant events, unmapped spaces) and hands the rest to a RouteEvent run
// in Temporal. It never calls Confluence or OTCS, so it answers quickly
// whatever state the backends are in; reconciliation catches anything a
// delivery did not bring.
package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// Event is what the bridge needs from one delivery.
type Event struct {
	Type      string // page_created, label_added, ... (DC names; Connect/Automation use the same)
	PageID    string
	SpaceKey  string // when the payload names it (Cloud shapes)
	Label     string // label events
	Actor     string // userKey (DC) or accountId (Cloud)
	Timestamp int64  // ms since the epoch; 0 when the body has none
}

// ValidPageID reports whether id can be a Confluence content id (see
// workflows.ValidPageID): page ids become part of workflow ids.
func ValidPageID(id string) bool { return workflows.ValidPageID(id) }

// ErrMalformed wraps every parse failure.
var ErrMalformed = errors.New("malformed event")

// flexID accepts an id as a JSON number or string.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id must be a number or a string")
	}
	if _, err := strconv.ParseInt(string(n), 10, 64); err != nil {
		return fmt.Errorf("id %s is not an integer", n)
	}
	*f = flexID(n)
	return nil
}

// flexMillis accepts a timestamp in milliseconds as a JSON number or a
// string of digits (an Automation rule may quote its smart value).
type flexMillis int64

func (m *flexMillis) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("timestamp must be an integer number of milliseconds since the epoch")
	}
	*m = flexMillis(n)
	return nil
}

// flexLabel accepts a label as a string or {"name": ...}.
type flexLabel string

func (l *flexLabel) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = flexLabel(s)
		return nil
	}
	var obj struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return fmt.Errorf("label must be a string or an object with a name")
	}
	*l = flexLabel(obj.Name)
	return nil
}

type wirePage struct {
	ID         flexID `json:"id"`
	IDAsString string `json:"idAsString"`
	SpaceKey   string `json:"spaceKey"`
}

type wireEvent struct {
	Timestamp     flexMillis `json:"timestamp"`
	Event         string     `json:"event"`
	UserKey       string     `json:"userKey"`
	UserAccountID string     `json:"userAccountId"`
	Page          *wirePage  `json:"page"`
	Labelled      *wirePage  `json:"labelled"`
	Content       *wirePage  `json:"content"`
	Label         flexLabel  `json:"label"`
}

// Parse reads a delivery body in any of the shapes Confluence sends: Data
// Center webhooks ({"event", "userKey", "page": {"id": 123}}), Connect
// webhooks (no "event": eventHint, from the registered URL, names it) and
// the JSON an Automation "send web request" rule posts. Ids may be numbers
// or strings; a page id must be a Confluence content id (ValidPageID). The
// timestamp (ms, number or string) is optional here: the receiver decides
// whether it must be present.
func Parse(body []byte, eventHint string) (Event, error) {
	var w wireEvent
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return Event{}, fmt.Errorf("%w: more than one JSON value", ErrMalformed)
	}
	ev := Event{Type: w.Event, Actor: w.UserKey, Timestamp: int64(w.Timestamp), Label: string(w.Label)}
	if ev.Type == "" {
		ev.Type = eventHint
	}
	if ev.Actor == "" {
		ev.Actor = w.UserAccountID
	}
	for _, p := range []*wirePage{w.Page, w.Labelled, w.Content} {
		if p == nil {
			continue
		}
		id := string(p.ID)
		if id == "" {
			id = p.IDAsString
		}
		if id != "" {
			ev.PageID, ev.SpaceKey = id, p.SpaceKey
			break
		}
	}
	switch {
	case ev.Type == "":
		return Event{}, fmt.Errorf("%w: no event type (DC bodies carry \"event\"; Connect deliveries need ?event= on the URL)", ErrMalformed)
	case strings.ContainsAny(ev.Type, " \t\n/") || len(ev.Type) > 64:
		return Event{}, fmt.Errorf("%w: event type %q is not an event name", ErrMalformed, ev.Type)
	case ev.PageID == "" && pageEvents[ev.Type]:
		return Event{}, fmt.Errorf("%w: %s without a page id", ErrMalformed, ev.Type)
	case ev.PageID != "" && !ValidPageID(ev.PageID):
		return Event{}, fmt.Errorf("%w: page id %s is not a Confluence content id (1 to %d digits)", ErrMalformed, quoteShort(ev.PageID), workflows.MaxPageIDLen)
	}
	return ev, nil
}

// quoteShort quotes s for an error message, cut to a readable length.
func quoteShort(s string) string {
	const limit = 32
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "…"
	}
	return strconv.Quote(s)
}

// pageEvents are the events that can put a page into a flow.
var pageEvents = map[string]bool{
	activities.EventPageCreated:  true,
	activities.EventPageUpdated:  true,
	activities.EventPageRestored: true,
	activities.EventLabelAdded:   true,
	// A document page's source-changed label removed by an editor.
	activities.EventLabelRemoved: true,
	// Pages made from a blueprint (meeting notes, decision logs) announce
	// themselves with this event.
	activities.EventBlueprintPageCreated: true,
	// A page's restrictions changed: its records may have to narrow.
	activities.PermissionsEvent: true,
}

// knownEvents are Confluence's other webhook events: accepted and ignored.
var knownEvents = map[string]bool{
	"attachment_created": true, "attachment_removed": true, "attachment_restored": true, "attachment_trashed": true, "attachment_updated": true,
	"blog_created": true, "blog_removed": true, "blog_restored": true, "blog_trashed": true, "blog_updated": true,
	"comment_created": true, "comment_removed": true, "comment_updated": true,
	"content_created": true, "content_restored": true, "content_trashed": true, "content_updated": true,
	"group_created": true, "group_removed": true,
	"label_created": true, "label_deleted": true,
	"page_children_reordered": true, "page_moved": true, "page_removed": true, "page_trashed": true,
	"space_created": true, "space_logo_updated": true, "space_permissions_updated": true, "space_removed": true, "space_updated": true,
	"theme_enabled": true,
	"user_created":  true, "user_deactivated": true, "user_followed": true, "user_reactivated": true, "user_removed": true,
}
