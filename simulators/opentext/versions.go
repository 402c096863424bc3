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

// numberVersion gives a new version of an advanced-versioning node its
// major.minor number: a major version (add_major_version) opens the next
// major number at .0, anything else is the next minor of the newest major.
// Standard nodes number versions 1, 2, 3 only.
func (n *node) numberVersion(v *version) {
	if !n.advanced {
		return
	}
	maxMajor, maxMinor := 0, 0
	for _, o := range n.versions {
		if o.majorNum > maxMajor {
			maxMajor, maxMinor = o.majorNum, o.minorNum
		} else if o.majorNum == maxMajor && o.minorNum > maxMinor {
			maxMinor = o.minorNum
		}
	}
	if v.major {
		v.majorNum, v.minorNum = maxMajor+1, 0
	} else {
		v.majorNum, v.minorNum = maxMajor, maxMinor+1
	}
}

// versionLabel is a version's major and minor number and its display
// name: major.minor under advanced versioning, otherwise major 0, minor
// and name the plain version number.
func versionLabel(n *node, v *version) (major, minor int, name string) {
	if n.advanced {
		return v.majorNum, v.minorNum, fmt.Sprintf("%d.%d", v.majorNum, v.minorNum)
	}
	return 0, v.number, strconv.Itoa(v.number)
}

// versionJSON renders one version as v1 `data` / v2 `data.versions` show it.
func (s *Server) versionJSON(n *node, v *version) map[string]any {
	ext := strings.TrimPrefix(filepath.Ext(v.fileName), ".")
	major, minor, name := versionLabel(n, v)
	return map[string]any{
		"id": n.id, "version_id": n.id*1000 + int64(v.number), "version_number": v.number,
		"version_number_major": major, "version_number_minor": minor, "version_number_name": name,
		// The 2.0.2 spec's spelling of the same numbers; clients read either.
		"version_major_number": major, "version_minor_number": minor,
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
	// A major version also needs add_major_version.
	need := permModify
	if c.p.bool("add_major_version") {
		need |= permAddMajorVersion
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.accessNode(id, need)
	if !ok {
		return
	}
	if n.typ != typeDocument {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Versions cannot be added to '%s' (%d): %s items are not versionable.", n.name, n.id, typeName(n.typ)))
		return
	}
	if c.lockedAgainst(n, "cannot be versioned") {
		return
	}
	now := s.now()
	v := c.newVersion(n.latest().number+1, now)
	n.numberVersion(v)
	n.versions = append(n.versions, v)
	n.touch(now, c.user.id)
	c.respondOK(map[string]any{"id": n.id, "version_number": v.number}, map[string]any{"data": map[string]any{"properties": s.props(n), "versions": s.versionJSON(n, v)}})
}

func (s *Server) listVersions(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := c.pathNodeFor(permSeeContents)
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
	c.respondV2(results)
}

// pathNodeWithVersions is pathNodeFor for a node that must have at least
// one version; it writes the error itself. Callers hold s.mu.
func (c *call) pathNodeWithVersions(need perm) (*node, bool) {
	n, ok := c.pathNodeFor(need)
	if !ok {
		return nil, false
	}
	if n.latest() == nil {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Node %d has no versions.", n.id))
		return nil, false
	}
	return n, true
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
	n, ok := c.pathNodeFor(permSeeContents)
	if !ok {
		return
	}
	v, ok := c.findVersion(n)
	if !ok {
		return
	}
	c.respondOK(map[string]any{"data": s.versionJSON(n, v), "definitions": map[string]any{}}, map[string]any{"data": map[string]any{"versions": s.versionJSON(n, v)}})
}

// content streams a version's bytes from its blob file.
func (s *Server) content(c *call) {
	s.mu.RLock()
	n, ok := c.pathNodeFor(permSeeContents)
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

// deleteVersion is DELETE /api/v1|v2/nodes/{id}/versions/{n}. The current
// (newest) version cannot be deleted, so a document always keeps one; a
// held or finalized document refuses, naming why.
func (s *Server) deleteVersion(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.pathNodeWithVersions(permDeleteVersions)
	if !ok {
		return
	}
	if c.lockedAgainst(n, "its versions cannot be deleted") {
		return
	}
	v, ok := c.findVersion(n)
	if !ok {
		return
	}
	if v == n.latest() {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Version %d is the current version of '%s' (%d) and cannot be deleted.", v.number, n.name, n.id))
		return
	}
	kept := n.versions[:0:0]
	for _, o := range n.versions {
		if o != v {
			kept = append(kept, o)
		}
	}
	n.versions = kept
	n.touch(s.now(), c.user.id)
	c.respondOK(map[string]any{}, map[string]any{})
}

// purgeVersions is DELETE /api/v2/nodes/{id}/versions?number_to_keep=N: it
// deletes all but the newest N versions. N defaults to 1, since
// @kweli/cs-rest's purge() cannot put it on the wire (axios drops DELETE
// bodies), and must be at least 1.
func (s *Server) purgeVersions(c *call) {
	keep, ok := c.positiveInt("number_to_keep", "number_to_keep", 1)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.pathNodeWithVersions(permDeleteVersions)
	if !ok {
		return
	}
	if c.lockedAgainst(n, "its versions cannot be purged") {
		return
	}
	if int64(len(n.versions)) > keep {
		n.versions = append([]*version(nil), n.versions[int64(len(n.versions))-keep:]...)
		n.touch(s.now(), c.user.id)
	}
	c.respondV2(map[string]any{})
}

// promoteVersion is POST /api/v2/nodes/{id}/versions/{n}/promote: the minor
// version {n} of an advanced-versioning document is copied to a new
// version, the next major number (x.0), with the optional `description`.
func (s *Server) promoteVersion(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.pathNodeFor(permModify | permAddMajorVersion)
	if !ok {
		return
	}
	if n.typ != typeDocument || n.latest() == nil {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Versions of '%s' (%d) cannot be promoted: %s items are not versionable.", n.name, n.id, typeName(n.typ)))
		return
	}
	if !n.advanced {
		c.fail(http.StatusBadRequest, fmt.Sprintf("'%s' (%d) does not use major/minor versioning (advanced_versioning); its versions cannot be promoted.", n.name, n.id))
		return
	}
	v, ok := c.findVersion(n)
	if !ok {
		return
	}
	if v.minorNum == 0 {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Version %d.%d of '%s' (%d) is already a major version.", v.majorNum, v.minorNum, n.name, n.id))
		return
	}
	if c.lockedAgainst(n, "cannot be versioned") {
		return
	}
	now := s.now()
	p := *v // same content: blob files are immutable, so the copy shares it
	p.number, p.major, p.created, p.createUser = n.latest().number+1, true, now, c.user.id
	if c.p.has("description") {
		p.description = c.p.str("description")
	}
	n.numberVersion(&p)
	n.versions = append(n.versions, &p)
	n.touch(now, c.user.id)
	c.respondV2(map[string]any{"data": map[string]any{"properties": s.props(n), "versions": s.versionJSON(n, &p)}})
}
