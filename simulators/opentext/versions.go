package opentext

import (
	"fmt"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// newVersion turns the request's upload into a version, taking ownership of
// its blob file. Callers hold s.mu and have checked c.upload != nil.
func (c *call) newVersion(number int, now time.Time) *version {
	up := c.upload
	up.claimed = true
	fileName := up.fileName
	if fileName == "" {
		fileName = c.p.str("name")
	}
	return &version{
		number: number, major: c.p.bool("add_major_version"),
		fileName: fileName, mimeType: up.mimeType, size: up.size, sha256: up.sha256,
		description: c.p.str("description"), created: now, createUser: c.user.id, blobPath: up.path,
	}
}

// versionJSON renders one version as v1 `data` / v2 `data.versions` show it.
func (s *Server) versionJSON(n *node, v *version) map[string]any {
	ext := strings.TrimPrefix(filepath.Ext(v.fileName), ".")
	return map[string]any{
		"id": n.id, "version_id": n.id*1000 + int64(v.number), "version_number": v.number,
		"version_number_major": 0, "version_number_minor": v.number, "version_number_name": strconv.Itoa(v.number),
		"file_name": v.fileName, "file_size": v.size, "file_type": ext, "mime_type": v.mimeType,
		"description": v.description, "create_date": fmtTime(v.created), "modify_date": fmtTime(v.created),
		"file_create_date": fmtTime(v.created), "file_modify_date": fmtTime(v.created),
		"owner_id": v.createUser, "provider_id": n.id*1000 + int64(v.number), "locked": false,
		"external_create_date": nil, "external_modify_date": nil, "external_source": "", "external_identity": "", "external_identity_type": "",
	}
}

// addVersion is POST /nodes/{id}/versions with a multipart `file`.
func (s *Server) addVersion(c *call) {
	id, ok := c.pathID("id")
	if !ok {
		return
	}
	if c.upload == nil {
		c.fail(http.StatusBadRequest, "Missing required parameter 'File'")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodes[id]
	if n == nil {
		c.fail(http.StatusBadRequest, notFoundMsg(id))
		return
	}
	if n.typ != typeDocument {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Versions cannot be added to '%s' (%d): %s items are not versionable.", n.name, n.id, typeName(n.typ)))
		return
	}
	if msg := s.lockBlock(n, "cannot be versioned"); msg != "" {
		c.fail(http.StatusBadRequest, msg)
		return
	}
	now := s.now()
	v := c.newVersion(n.latest().number+1, now)
	n.versions = append(n.versions, v)
	n.modified = now
	if c.v2 {
		c.json(http.StatusOK, c.v2Envelope(map[string]any{"data": map[string]any{"properties": s.props(n), "versions": s.versionJSON(n, v)}}))
		return
	}
	c.json(http.StatusOK, map[string]any{"id": n.id, "version_number": v.number})
}

// docNode resolves {id} to a document; it writes the error itself.
func (c *call) docNode() (*node, bool) {
	id, ok := c.pathID("id")
	if !ok {
		return nil, false
	}
	n := c.s.nodes[id]
	if n == nil {
		c.fail(http.StatusBadRequest, notFoundMsg(id))
		return nil, false
	}
	return n, true
}

func (s *Server) listVersions(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := c.docNode()
	if !ok {
		return
	}
	list := make([]map[string]any, 0, len(n.versions))
	for _, v := range n.versions {
		list = append(list, s.versionJSON(n, v))
	}
	if strings.EqualFold(c.p.str("order"), "desc") {
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
	}
	if !c.v2 {
		c.json(http.StatusOK, map[string]any{"data": list, "definitions": map[string]any{}})
		return
	}
	results := make([]any, 0, len(list))
	for _, v := range list {
		results = append(results, map[string]any{"data": map[string]any{"versions": v}})
	}
	c.json(http.StatusOK, c.v2Envelope(results))
}

// findVersion resolves {n} ("latest" or a number); absent {n} means latest.
func (c *call) findVersion(n *node) (*version, bool) {
	num := c.r.PathValue("n")
	if num == "" || strings.HasSuffix(c.r.URL.Path, "/versions/latest") || num == "latest" {
		if v := n.latest(); v != nil {
			return v, true
		}
		c.fail(http.StatusBadRequest, fmt.Sprintf("Node %d has no versions.", n.id))
		return nil, false
	}
	k, err := strconv.Atoi(num)
	if err == nil {
		for _, v := range n.versions {
			if v.number == k {
				return v, true
			}
		}
	}
	c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get version %s of node %d", num, n.id))
	return nil, false
}

func (s *Server) getVersion(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := c.docNode()
	if !ok {
		return
	}
	v, ok := c.findVersion(n)
	if !ok {
		return
	}
	if c.v2 {
		c.json(http.StatusOK, c.v2Envelope(map[string]any{"data": map[string]any{"versions": s.versionJSON(n, v)}}))
		return
	}
	c.json(http.StatusOK, map[string]any{"data": s.versionJSON(n, v), "definitions": map[string]any{}})
}

// content streams a version's bytes from its blob file.
func (s *Server) content(c *call) {
	s.mu.RLock()
	n, ok := c.docNode()
	if !ok {
		s.mu.RUnlock()
		return
	}
	if n.latest() == nil {
		s.mu.RUnlock()
		c.fail(http.StatusInternalServerError, fmt.Sprintf("Could not locate node: %d", n.id))
		return
	}
	v, ok := c.findVersion(n)
	s.mu.RUnlock()
	if !ok {
		return
	}
	// Blob files are immutable and outlive node deletion, so the lock need
	// not be held while streaming.
	f, err := os.Open(v.blobPath)
	if err != nil {
		c.fail(http.StatusInternalServerError, "Could not read the version content: "+err.Error())
		return
	}
	defer f.Close()
	ct := v.mimeType
	if strings.EqualFold(c.p.str("action"), "download") {
		ct = "application/octet-stream"
	}
	disp := "attachment"
	if strings.EqualFold(c.p.str("action"), "open") {
		disp = "inline"
	}
	h := c.w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.FormatInt(v.size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": v.fileName}))
	c.w.WriteHeader(http.StatusOK)
	if c.r.Method != http.MethodHead {
		_, _ = f.WriteTo(c.w)
	}
}
