package confluence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// v1 attachment content object of the current version; extensions.fileSize
// must be a number (go-atlassian decodes it into an int).
func (h *v1) attachment(a *attachment) map[string]any {
	s := h.s
	p := s.pages[a.pageID]
	v := a.current()
	webui := "/pages/viewpageattachments.action?pageId=" + a.pageID
	return map[string]any{
		"id": a.id, "type": "attachment", "status": "current", "title": a.title,
		"version":    h.version(v.authorID, v.createdAt, v.number, v.comment, v.minorEdit),
		"container":  pageRef(p),
		"metadata":   map[string]any{"mediaType": v.mediaType, "comment": v.comment},
		"extensions": map[string]any{"mediaType": v.mediaType, "fileSize": v.size, "comment": v.comment},
		"_links": mergeLinks(h.links("/rest/api/content/"+a.id), map[string]any{
			"webui": webui, "download": downloadPath(a, v)}),
	}
}

func (h *v1) listAttachments(w http.ResponseWriter, r *http.Request) {
	filename := r.URL.Query().Get("filename")
	h.writePageList(w, r, 50, func(p *page) []any {
		items := []any{}
		for _, a := range p.atts {
			if filename == "" || a.title == filename {
				items = append(items, h.attachment(a))
			}
		}
		return items
	})
}

type uploadedFile struct {
	name, mediaType string
	data            []byte
	sum             string
}

// version is the attachment version an uploaded file becomes.
func (f uploadedFile) version(comment, authorID string, minorEdit bool) attachmentVersion {
	return attachmentVersion{mediaType: f.mediaType, comment: comment, authorID: authorID, minorEdit: minorEdit,
		data: f.data, sha256: f.sum}
}

// maxComment bounds the comment part; it is text, not content.
const maxComment = 64 << 10

// upload serves POST (add; duplicate name → 400), Cloud PUT (add or new
// version by name) and POST .../{att}/data (new version of one file).
// The XSRF header is checked before the body is read, as Confluence's
// filter does. Parts are read as a stream and hashed on the way in.
func (h *v1) upload(w http.ResponseWriter, r *http.Request) {
	if tok := r.Header.Get("X-Atlassian-Token"); tok != "no-check" && tok != "nocheck" {
		writeV1Error(w, http.StatusForbidden, "XSRF check failed")
		return
	}
	id := r.PathValue("id")
	// Permission is checked before the body is read, and again once the
	// write lock is held.
	h.s.mu.RLock()
	p0 := h.s.editablePage(w, r, writeV1Error)
	h.s.mu.RUnlock()
	if p0 == nil {
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		writeV1Error(w, http.StatusBadRequest, "Expected a multipart/form-data body: "+err.Error())
		return
	}
	var files []uploadedFile
	comment, minorEdit := "", false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			writeV1Error(w, http.StatusBadRequest, "Bad multipart body: "+err.Error())
			return
		}
		switch part.FormName() {
		case "file":
			var buf bytes.Buffer
			hsh := sha256.New()
			if _, err := io.Copy(io.MultiWriter(&buf, hsh), part); err != nil {
				writeV1Error(w, http.StatusBadRequest, "Reading the file part failed: "+err.Error())
				return
			}
			name := part.FileName()
			if name == "" {
				writeV1Error(w, http.StatusBadRequest, "The file part has no file name")
				return
			}
			mt := part.Header.Get("Content-Type")
			if mt == "" || mt == "application/octet-stream" {
				if byExt := mime.TypeByExtension(path.Ext(name)); byExt != "" {
					mt = byExt
				}
			}
			if base, _, err := mime.ParseMediaType(mt); err == nil && !strings.HasPrefix(base, "text/") {
				mt = base
			}
			files = append(files, uploadedFile{name: name, mediaType: mt, data: buf.Bytes(), sum: hex.EncodeToString(hsh.Sum(nil))})
		case "comment":
			b, _ := io.ReadAll(io.LimitReader(part, maxComment))
			comment = string(b)
		case "minorEdit":
			b, _ := io.ReadAll(io.LimitReader(part, 16))
			minorEdit = strings.EqualFold(strings.TrimSpace(string(b)), "true")
		default:
			_, _ = io.Copy(io.Discard, part) // unknown parts
		}
	}
	if len(files) == 0 {
		writeV1Error(w, http.StatusBadRequest, "No file part in the request")
		return
	}

	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	p := h.s.editablePage(w, r, writeV1Error)
	if p == nil {
		return
	}
	if attID := r.PathValue("att"); attID != "" {
		a := h.s.findAttachment(attID)
		if a == nil || a.pageID != id {
			writeV1Error(w, http.StatusNotFound, attachmentNotOnPage(attID, id))
			return
		}
		f := files[0]
		// A new version keeps the attachment's name, as Confluence does.
		a = h.s.putAttachment(p, a.title, f.version(comment, actor(r), minorEdit))
		h.s.emitPageEvent("attachment_updated", actor(r), p, &eventInfo{attachmentID: a.id})
		writeJSON(w, http.StatusOK, h.attachment(a))
		return
	}
	if r.Method == http.MethodPost {
		for _, f := range files {
			if p.attByTitle(f.name) != nil {
				writeV1Error(w, http.StatusBadRequest, "Cannot add a new attachment with same file name as an existing attachment: "+f.name)
				return
			}
		}
	}
	items := []any{}
	for _, f := range files {
		a := h.s.putAttachment(p, f.name, f.version(comment, actor(r), minorEdit))
		h.s.emitPageEvent(attachmentEvent(a), actor(r), p, &eventInfo{attachmentID: a.id})
		items = append(items, h.attachment(a))
	}
	out := wholeV1List(items, len(items))
	out["_links"] = map[string]any{"base": h.s.baseURL + h.ctx, "context": h.ctx}
	writeJSON(w, http.StatusOK, out)
}

// requestedAttachmentVersion is the version of a that ?version= names, or
// the current one without the parameter; false when there is no such
// version (a value that is not a version number included).
func requestedAttachmentVersion(r *http.Request, a *attachment) (*attachmentVersion, bool) {
	vs := r.URL.Query().Get("version")
	if vs == "" {
		return a.current(), true
	}
	n, err := strconv.Atoi(vs)
	if err != nil {
		return nil, false
	}
	return a.version(n)
}

func attachmentVersionNotFound(vs, title string) string {
	return "Version " + vs + " of attachment " + title + " is not available"
}

// download redirects to the download servlet, which serves the bytes:
// those of the version ?version= names, else of the current one.
func (h *v1) download(w http.ResponseWriter, r *http.Request) {
	h.s.mu.RLock()
	a := h.s.visibleAttachment(r, r.PathValue("att"))
	ok := a != nil && a.pageID == r.PathValue("id")
	var loc, title string
	var v *attachmentVersion
	found := false
	if ok {
		title = a.title
		if v, found = requestedAttachmentVersion(r, a); found {
			loc = h.ctx + downloadPath(a, v)
		}
	}
	h.s.mu.RUnlock()
	if !ok {
		writeV1Error(w, http.StatusNotFound, attachmentNotOnPage(r.PathValue("att"), r.PathValue("id")))
		return
	}
	if !found {
		writeV1Error(w, http.StatusNotFound, attachmentVersionNotFound(r.URL.Query().Get("version"), title))
		return
	}
	http.Redirect(w, r, loc, http.StatusFound)
}

// routesDownload mounts the download servlet under the context path. It
// streams the bytes (Range supported) with Content-Type and Content-Length:
// of the version ?version= names (every version is kept; an unknown one
// is a 404), else of the current version.
func (s *Server) routesDownload(mux *http.ServeMux, ctx string) {
	mux.HandleFunc("GET "+ctx+"/download/attachments/{pageId}/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.RLock()
		var a *attachment
		if p, ok := s.visiblePage(r, r.PathValue("pageId")); ok {
			a = p.attByTitle(r.PathValue("file"))
		}
		var v *attachmentVersion // versions are immutable: safe to use after unlocking
		var title string
		found := false
		if a != nil {
			title = a.title
			v, found = requestedAttachmentVersion(r, a)
		}
		s.mu.RUnlock()
		if a == nil {
			writeV1Error(w, http.StatusNotFound, "Attachment not found: "+r.PathValue("file"))
			return
		}
		if !found {
			writeV1Error(w, http.StatusNotFound, attachmentVersionNotFound(r.URL.Query().Get("version"), title))
			return
		}
		w.Header().Set("Content-Type", v.mediaType)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": title}))
		w.Header().Set("ETag", `"`+v.sha256[:16]+`"`)
		http.ServeContent(w, r, "", v.createdAt, v.content())
	})
}
