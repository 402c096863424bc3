package confluence

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// Version is one version of a page.
type Version struct {
	Number    int
	CreatedAt time.Time
	Message   string
	MinorEdit bool
	AuthorID  string
}

// Page is a page as read from Confluence, in one body representation.
type Page struct {
	ID, Status, Title, SpaceID, SpaceKey, ParentID, AuthorID, OwnerID string
	CreatedAt                                                         time.Time
	Version                                                           Version
	BodyFormat, Body                                                  string // empty unless a format was asked for
	WebURL                                                            string // absolute
	// Labels and Properties are the page's collections when GetPage was
	// asked to include them and the server returned them whole (Cloud
	// includes at most 50 of each); LabelsIncluded and PropertiesIncluded
	// say so. Otherwise read them with Labels and GetProperty.
	Labels                             []Label
	Properties                         []Property
	LabelsIncluded, PropertiesIncluded bool

	// parentKnown: ParentID came from a v2 page, which names the parent
	// of every page that has one (so "" means a page at the space root).
	parentKnown bool
}

// GetPageOptions selects the version and body representation of GetPage.
type GetPageOptions struct {
	Version    int    // 0 = current
	BodyFormat string // "", "storage", "export_view", "view", "atlas_doc_format"
	// IncludeLabels and IncludeProperties ask Cloud to return the page's
	// labels and content properties with it (one request instead of one per
	// collection); Data Center ignores them.
	IncludeLabels, IncludeProperties bool
}

// Space is a Confluence space.
type Space struct{ ID, Key, Name string }

// Label is a label on a page.
type Label struct{ ID, Name, Prefix string }

// Property is a content property: JSON stored on a page, with its own
// version counter.
type Property struct {
	ID, Key string
	Value   json.RawMessage
	Version int
}

// Attachment is a file attached to a page.
type Attachment struct {
	ID, Title, MediaType, Comment string
	FileSize                      int64
	Version                       int
	CreatedAt                     time.Time // when Version was uploaded; zero when the server did not say
	DownloadLink                  string    // as the server gives it (relative to the context path)
}

// flexID decodes an id sent as a JSON string or number: v2 sends strings,
// v1 sends some ids (space ids) as numbers.
// It is stricter than the OpenText client's flexString, which takes any
// JSON value as text: here a bool, object or array is a decode error and
// null leaves the value as it was, so the two are kept apart.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
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
		return err
	}
	*f = flexID(n.String())
	return nil
}

// flexTime decodes Atlassian timestamps, tolerating null, "" and forms
// without a zone; an unreadable value becomes the zero time rather than
// failing the whole call.
type flexTime time.Time

func (f *flexTime) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil || s == "" {
		// DC sometimes sends epoch milliseconds.
		if ms, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			*f = flexTime(time.UnixMilli(ms).UTC())
		}
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			*f = flexTime(t)
			return nil
		}
	}
	return nil
}

func (f flexTime) Time() time.Time { return time.Time(f) }

// Wire shapes. Only the fields the client uses are declared.

type v2VersionJSON struct {
	Number    int      `json:"number"`
	CreatedAt flexTime `json:"createdAt"`
	Message   string   `json:"message"`
	MinorEdit bool     `json:"minorEdit"`
	AuthorID  flexID   `json:"authorId"`
}

func (v v2VersionJSON) toVersion() Version {
	return Version{Number: v.Number, CreatedAt: v.CreatedAt.Time(), Message: v.Message, MinorEdit: v.MinorEdit, AuthorID: string(v.AuthorID)}
}

type bodyJSON struct {
	Representation string `json:"representation"`
	Value          string `json:"value"`
}

type v2PageJSON struct {
	ID         flexID                      `json:"id"`
	Status     string                      `json:"status"`
	Title      string                      `json:"title"`
	SpaceID    flexID                      `json:"spaceId"`
	ParentID   flexID                      `json:"parentId"`
	AuthorID   flexID                      `json:"authorId"`
	OwnerID    flexID                      `json:"ownerId"`
	CreatedAt  flexTime                    `json:"createdAt"`
	Version    v2VersionJSON               `json:"version"`
	Body       map[string]bodyJSON         `json:"body"`
	Labels     *v2Included[labelJSON]      `json:"labels"`
	Properties *v2Included[v2PropertyJSON] `json:"properties"`
	Links      struct {
		WebUI string `json:"webui"`
		Base  string `json:"base"`
	} `json:"_links"`
}

// v2Included is a collection a single-object GET includes on request.
type v2Included[T any] struct {
	Results []T `json:"results"`
	Meta    struct {
		HasMore bool `json:"hasMore"`
	} `json:"meta"`
}

type v2SpaceJSON struct {
	ID   flexID `json:"id"`
	Key  string `json:"key"`
	Name string `json:"name"`
}

type labelJSON struct {
	ID     flexID `json:"id"`
	Name   string `json:"name"`
	Prefix string `json:"prefix"`
}

type v2PropertyJSON struct {
	ID      flexID          `json:"id"`
	Key     string          `json:"key"`
	Value   json.RawMessage `json:"value"`
	Version struct {
		Number int `json:"number"`
	} `json:"version"`
}

func (p v2PropertyJSON) toProperty() *Property {
	return &Property{ID: string(p.ID), Key: p.Key, Value: p.Value, Version: p.Version.Number}
}

type v2AttachmentJSON struct {
	ID           flexID        `json:"id"`
	Title        string        `json:"title"`
	MediaType    string        `json:"mediaType"`
	Comment      string        `json:"comment"`
	FileSize     int64         `json:"fileSize"`
	Version      v2VersionJSON `json:"version"`
	DownloadLink string        `json:"downloadLink"`
}

func (a v2AttachmentJSON) toAttachment() Attachment {
	return Attachment{ID: string(a.ID), Title: a.Title, MediaType: a.MediaType, Comment: a.Comment,
		FileSize: a.FileSize, Version: a.Version.Number, CreatedAt: a.Version.CreatedAt.Time(), DownloadLink: a.DownloadLink}
}

// v2List is one cursor page of a v2 list.
type v2List[T any] struct {
	Results []T `json:"results"`
	Links   struct {
		Next string `json:"next"`
	} `json:"_links"`
}

// v1List is one offset page of a v1 list.
type v1List[T any] struct {
	Results []T `json:"results"`
	Start   int `json:"start"`
	Limit   int `json:"limit"`
	Size    int `json:"size"`
	Links   struct {
		Next string `json:"next"`
	} `json:"_links"`
}

type v1UserJSON struct {
	AccountID   string `json:"accountId"`
	UserKey     string `json:"userKey"`
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
	Email       string `json:"email"`
}

// id prefers the Cloud account id, then DC's user key, then the username.
func (u v1UserJSON) id() string {
	for _, s := range []string{u.AccountID, u.UserKey, u.Username} {
		if s != "" {
			return s
		}
	}
	return ""
}

type v1ContentJSON struct {
	ID     flexID `json:"id"`
	Type   string `json:"type"`
	Status string `json:"status"`
	Title  string `json:"title"`
	Space  *struct {
		ID   flexID `json:"id"`
		Key  string `json:"key"`
		Name string `json:"name"`
	} `json:"space"`
	History *struct {
		CreatedDate flexTime   `json:"createdDate"`
		CreatedBy   v1UserJSON `json:"createdBy"`
	} `json:"history"`
	Version *struct {
		Number    int        `json:"number"`
		When      flexTime   `json:"when"`
		Message   string     `json:"message"`
		MinorEdit bool       `json:"minorEdit"`
		By        v1UserJSON `json:"by"`
	} `json:"version"`
	Ancestors []struct {
		ID flexID `json:"id"`
	} `json:"ancestors"`
	Body       map[string]bodyJSON `json:"body"`
	Extensions struct {
		MediaType string `json:"mediaType"`
		FileSize  int64  `json:"fileSize"`
		Comment   string `json:"comment"`
	} `json:"extensions"`
	Metadata struct {
		MediaType string `json:"mediaType"`
		Comment   string `json:"comment"`
	} `json:"metadata"`
	Links struct {
		WebUI    string `json:"webui"`
		Base     string `json:"base"`
		Download string `json:"download"`
	} `json:"_links"`
}

func (a v1ContentJSON) toAttachment() Attachment {
	out := Attachment{ID: string(a.ID), Title: a.Title, MediaType: a.Extensions.MediaType, Comment: a.Extensions.Comment,
		FileSize: a.Extensions.FileSize, DownloadLink: a.Links.Download}
	if out.MediaType == "" {
		out.MediaType = a.Metadata.MediaType
	}
	if out.Comment == "" {
		out.Comment = a.Metadata.Comment
	}
	if a.Version != nil {
		out.Version, out.CreatedAt = a.Version.Number, a.Version.When.Time()
	}
	return out
}
