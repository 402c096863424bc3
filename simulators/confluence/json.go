package confluence

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// JSON shapes shared by the v2 and v1 handlers. All builders run with
// s.mu held and read s.baseURL directly (never s.origin, which locks).

func slug(title string) string { return url.QueryEscape(title) }

// webui is the page's web path relative to the context path.
func (s *Server) webui(p *page, title string) string {
	key := ""
	if sp := s.spaceByID(p.spaceID); sp != nil {
		key = sp.key
	}
	return "/spaces/" + key + "/pages/" + p.id + "/" + slug(title)
}

// pageURLFunc resolves ri:page links for the renderer. An empty space key
// means the linking page's own space; Confluence resolves it the same way.
func (s *Server) pageURLFunc(ctx string, from *page) func(spaceKey, title string) string {
	return func(spaceKey, title string) string {
		spaceID := from.spaceID
		if spaceKey != "" {
			sp := s.spaceByKey(spaceKey)
			if sp == nil {
				return ""
			}
			spaceID = sp.id
		}
		for _, p := range s.pages {
			if p.spaceID == spaceID && p.current().title == title {
				return ctx + s.webui(p, title)
			}
		}
		return ""
	}
}

// bodyValue renders version v of p in the requested representation, as
// seen by viewer (included pages obey its restrictions).
func (s *Server) bodyValue(p *page, v pageVersion, format, ctx, viewer string) string {
	switch format {
	case "storage", "editor", "wiki":
		return v.body
	case "atlas_doc_format":
		return storageToADF(v.body)
	default: // view, export_view, styled_view, anonymous_export_view
		return s.renderStorage(v.body, p, true, viewOpts(format, ctx, viewer))
	}
}

// viewOpts are the render options of a rendered body format: export_view
// drops macro wrappers, and the anonymous export is rendered for nobody.
func viewOpts(format, ctx, viewer string) renderOpts {
	if format == "anonymous_export_view" {
		viewer = ""
	}
	return renderOpts{ctx: ctx, viewer: viewer, export: strings.Contains(format, "export")}
}

// versionStatus is the status a page object shows for version v: an older
// version is "historical" whatever the page's own status is.
func versionStatus(p *page, v pageVersion) string {
	if v.number != p.current().number {
		return "historical"
	}
	return p.status
}

// requestedVersion is the version of p that ?version= names, or the
// current one when there is no such parameter. A non-number is a 400 and
// an unknown version a 404 worded by notFound; both are written here with
// the surface's error writer.
func requestedVersion(w http.ResponseWriter, r *http.Request, p *page, writeErr errorWriter, notFound func(n int) string) (pageVersion, bool) {
	vs := r.URL.Query().Get("version")
	if vs == "" {
		return p.current(), true
	}
	n, err := strconv.Atoi(vs)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "Invalid version: "+vs)
		return pageVersion{}, false
	}
	v, ok := p.version(n)
	if !ok {
		writeErr(w, http.StatusNotFound, notFound(n))
	}
	return v, ok
}

// ancestors returns p's parent chain, root first. The chain ends at a
// parent that no longer exists (one that was purged).
func (s *Server) ancestors(p *page) []*page {
	var chain []*page
	for pid := p.parentID; pid != ""; {
		par, ok := s.pages[pid]
		if !ok {
			break
		}
		chain = append([]*page{par}, chain...)
		pid = par.parentID
	}
	return chain
}

// pageRef is the short page object v1 nests as the container, content or
// ancestor of other objects.
func pageRef(p *page) map[string]any {
	return map[string]any{"id": p.id, "type": "page", "status": p.status, "title": p.current().title}
}

// bodyRepresentation is one entry of a body map, in v2 and v1 alike.
func bodyRepresentation(format, value string) map[string]any {
	return map[string]any{"representation": format, "value": value}
}

// expandedBodies is the v1 body map for the body.<format> entries of
// expand, each rendered by render; it is empty when none was asked for.
func expandedBodies(expand []string, render func(format string) string) map[string]any {
	body := map[string]any{}
	for _, e := range expand {
		if f, ok := strings.CutPrefix(e, "body."); ok && f != "" {
			body[f] = bodyRepresentation(f, render(f))
		}
	}
	return body
}

// v2VersionObject is the v2 Version shape shared by pages, comments,
// properties and attachments.
func v2VersionObject(createdAt time.Time, message string, number int, minorEdit bool, authorID string) map[string]any {
	return map[string]any{"createdAt": createdAt.Format(timeLayout), "message": message, "number": number,
		"minorEdit": minorEdit, "authorId": authorID}
}

// bodyFormats is what a v2 endpoint accepts in ?body-format=, and how its
// 400 words a value it does not (Cloud's wording differs for lists).
type bodyFormats struct {
	allowed []string
	invalid string
}

var (
	v2PageFormats = bodyFormats{[]string{"storage", "atlas_doc_format", "view", "export_view", "anonymous_export_view", "styled_view", "editor"},
		"Invalid body-format: "}
	v2CommentFormats = bodyFormats{[]string{"storage", "atlas_doc_format", "view", "export_view"}, "Invalid body-format: "}
	v2ListFormats    = bodyFormats{[]string{"storage", "atlas_doc_format"}, "Invalid body-format for a list: "}
)

// read returns ?body-format= ("" when absent). A value not allowed is a
// v2 400, written here.
func (f bodyFormats) read(w http.ResponseWriter, r *http.Request) (string, bool) {
	format := r.URL.Query().Get("body-format")
	if format != "" && !contains(f.allowed, format) {
		writeV2Error(w, http.StatusBadRequest, f.invalid+format)
		return "", false
	}
	return format, true
}

func (s *Server) v2Version(v pageVersion) map[string]any {
	return v2VersionObject(v.createdAt, v.message, v.number, v.minorEdit, v.authorID)
}

// v2Page is the PageSingle/PageBulk shape. format "" leaves body empty, as
// Cloud does when no body-format is asked for; viewer is whom a rendered
// body is rendered for.
func (s *Server) v2Page(p *page, v pageVersion, format, viewer string) map[string]any {
	body := map[string]any{}
	if format != "" {
		body[format] = bodyRepresentation(format, s.bodyValue(p, v, format, cloudCtx, viewer))
	}
	m := map[string]any{
		"id": p.id, "status": versionStatus(p, v), "title": v.title, "spaceId": p.spaceID, "authorId": p.authorID,
		"ownerId": p.authorID, "createdAt": p.createdAt.Format(timeLayout), "position": 0,
		"version": s.v2Version(v), "body": body,
		"_links": map[string]any{"webui": s.webui(p, v.title), "editui": "/pages/resumedraft.action?draftId=" + p.id,
			"tinyui": "/x/" + p.id, "base": s.baseURL + cloudCtx},
	}
	if p.parentID != "" {
		m["parentId"], m["parentType"] = p.parentID, "page"
	}
	return m
}

// homepage is the space's home page: its first root page (nil when it
// has none). Call with s.mu held.
func (s *Server) homepage(sp *space) *page {
	for _, p := range s.sortedPages() {
		if p.spaceID == sp.id && p.parentID == "" {
			return p
		}
	}
	return nil
}

func (s *Server) v2Space(sp *space) map[string]any {
	homepage := ""
	if hp := s.homepage(sp); hp != nil {
		homepage = hp.id
	}
	return map[string]any{"id": sp.id, "key": sp.key, "name": sp.name, "type": "global", "status": "current",
		"authorId": "557058:admin", "createdAt": sp.createdAt.Format(timeLayout), "homepageId": homepage,
		"_links": map[string]any{"webui": "/spaces/" + sp.key}}
}

func v2Label(l label) map[string]any {
	return map[string]any{"id": l.id, "name": l.name, "prefix": l.prefix}
}

func (s *Server) v2Property(pr *property) map[string]any {
	return map[string]any{"id": pr.id, "key": pr.key, "value": pr.value,
		"version": v2VersionObject(pr.createdAt, pr.message, pr.version, false, bridgeAccount)}
}

// downloadPath is the download path of version v of the attachment,
// relative to the context.
func downloadPath(a *attachment, v *attachmentVersion) string {
	return "/download/attachments/" + a.pageID + "/" + url.PathEscape(a.title) + "?version=" + strconv.Itoa(v.number) +
		"&modificationDate=" + strconv.FormatInt(v.createdAt.UnixMilli(), 10) + "&cacheVersion=1&api=v2"
}

// v2VersionOfAttachment is the v2 Version object of one attachment
// version; its message is the version's comment.
func v2VersionOfAttachment(v *attachmentVersion) map[string]any {
	return v2VersionObject(v.createdAt, v.comment, v.number, v.minorEdit, v.authorID)
}

// v2Attachment is the v2 attachment object as of version v (the current
// version unless ?version= asked for another).
func (s *Server) v2Attachment(a *attachment, v *attachmentVersion) map[string]any {
	webui := "/pages/viewpageattachments.action?pageId=" + a.pageID + "&preview=" + url.QueryEscape("/"+a.pageID+"/"+a.title)
	return map[string]any{
		"id": a.id, "status": "current", "title": a.title, "createdAt": v.createdAt.Format(timeLayout),
		"pageId": a.pageID, "mediaType": v.mediaType, "mediaTypeDescription": mediaDescription(v.mediaType),
		"comment": v.comment, "fileId": "f" + strings.TrimPrefix(a.id, "att"), "fileSize": v.size,
		"webuiLink": webui, "downloadLink": downloadPath(a, v),
		"version": v2VersionOfAttachment(v),
		"_links":  map[string]any{"webui": webui, "download": downloadPath(a, v)},
	}
}

func mediaDescription(mt string) string {
	switch {
	case strings.HasPrefix(mt, "image/"):
		return "Image"
	case mt == "text/csv":
		return "CSV File"
	case mt == "application/pdf":
		return "PDF Document"
	}
	return "File"
}

// rawOrString keeps a property value as given; go-atlassian sends v1
// values as JSON strings, confluence.js as objects: both are stored.
func rawOrString(v json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return json.RawMessage("null")
	}
	return v
}

// flexString decodes an id sent as a JSON string or number (DC clients
// send container and ancestor ids either way).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}
