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

// v1 attachment content object; extensions.fileSize must be a number
// (go-atlassian decodes it into an int).
func (h *v1) attachment(a *attachment) map[string]any {
	s := h.s
	p := s.pages[a.pageID]
	webui := "/pages/viewpageattachments.action?pageId=" + a.pageID
	return map[string]any{
		"id": a.id, "type": "attachment", "status": "current", "title": a.title,
		"version":    h.version(bridgeAccount, a.createdAt, a.version, "", true),
		"container":  pageRef(p),
		"metadata":   map[string]any{"mediaType": a.mediaType, "comment": a.comment},
		"extensions": map[string]any{"mediaType": a.mediaType, "fileSize": a.size, "comment": a.comment},
		"_links": mergeLinks(h.links("/rest/api/content/"+a.id), map[string]any{
			"webui": webui, "download": downloadPath(a)}),
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
	comment := ""
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
		default:
			_, _ = io.Copy(io.Discard, part) // minorEdit and unknown parts
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
		a = h.s.putAttachment(p, a.title, f.mediaType, comment, f.data, f.sum)
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
		a := h.s.putAttachment(p, f.name, f.mediaType, comment, f.data, f.sum)
		h.s.emitPageEvent(attachmentEvent(a), actor(r), p, &eventInfo{attachmentID: a.id})
		items = append(items, h.attachment(a))
	}
	out := wholeV1List(items, len(items))
	out["_links"] = map[string]any{"base": h.s.baseURL + h.ctx, "context": h.ctx}
	writeJSON(w, http.StatusOK, out)
}

// download redirects to the download servlet, which serves the bytes.
func (h *v1) download(w http.ResponseWriter, r *http.Request) {
	h.s.mu.RLock()
	a := h.s.findAttachment(r.PathValue("att"))
	ok := a != nil && a.pageID == r.PathValue("id")
	var loc string
	if ok {
		loc = h.ctx + downloadPath(a)
	}
	h.s.mu.RUnlock()
	if !ok {
		writeV1Error(w, http.StatusNotFound, attachmentNotOnPage(r.PathValue("att"), r.PathValue("id")))
		return
	}
	http.Redirect(w, r, loc, http.StatusFound)
}

// routesDownload mounts the download servlet under the context path. It
// streams the bytes (Range supported) with Content-Type and Content-Length;
// only the latest version of a file is kept, so ?version= must name it.
func (s *Server) routesDownload(mux *http.ServeMux, ctx string) {
	mux.HandleFunc("GET "+ctx+"/download/attachments/{pageId}/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.RLock()
		var a *attachment
		if p, ok := s.pages[r.PathValue("pageId")]; ok {
			a = p.attByTitle(r.PathValue("file"))
		}
		var snap attachment
		if a != nil {
			snap = *a // data slices are never mutated in place, so a shallow copy is a stable view
		}
		s.mu.RUnlock()
		if a == nil {
			writeV1Error(w, http.StatusNotFound, "Attachment not found: "+r.PathValue("file"))
			return
		}
		if v := r.URL.Query().Get("version"); v != "" && v != strconv.Itoa(snap.version) {
			writeV1Error(w, http.StatusNotFound, "Version "+v+" of attachment "+snap.title+" is not available")
			return
		}
		w.Header().Set("Content-Type", snap.mediaType)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": snap.title}))
		w.Header().Set("ETag", `"`+snap.sha256[:16]+`"`)
		http.ServeContent(w, r, "", snap.createdAt, snap.content())
	})
}
