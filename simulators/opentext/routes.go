package opentext

import (
	"errors"
	"net/http"
	"strings"
)

// routes registers every API route. Paths are matched after the prefix and
// an optional trailing slash have been stripped.
func (s *Server) routes() {
	// Authentication and server information.
	s.handle("GET /api/v1/ping", true, s.ping)
	s.handle("POST /api/v1/auth", true, s.login)
	s.handle("GET /api/v1/auth", false, s.whoAmI)
	s.handle("DELETE /api/v1/auth", false, s.logout)
	s.handle("GET /api/v1/serverinfo", false, s.serverInfo)

	// Nodes and browsing.
	s.both("GET", "/nodes/{id}", s.getNode)
	s.both("GET", "/nodes/{id}/nodes", s.browse)
	s.both("POST", "/nodes", s.createNode)
	s.both("PUT", "/nodes/{id}", s.updateNode)
	s.both("DELETE", "/nodes/{id}", s.deleteNode)
	s.handle("POST /api/v2/nodes/list", false, s.listNodes)
	s.handle("POST /api/v2/volumes/recyclebin/nodes/purge", false, s.recycleBinAction(false))
	s.handle("POST /api/v2/volumes/recyclebin/nodes/restore", false, s.recycleBinAction(true))
	s.handle("POST /api/v1/validation/nodes/names", false, s.validateNames)
	s.handle("GET /api/v1/nodes/{id}/ancestors", false, s.ancestors)
	s.handle("GET /api/v2/volumes", false, s.volumes)
	s.both("GET", "/volumes/{type}", s.volume)

	// Versions and content.
	s.both("POST", "/nodes/{id}/versions", s.addVersion)
	s.both("GET", "/nodes/{id}/versions", s.listVersions)
	s.both("GET", "/nodes/{id}/versions/latest", s.getVersion)
	s.both("GET", "/nodes/{id}/versions/{n}", s.getVersion)
	s.both("DELETE", "/nodes/{id}/versions/{n}", s.deleteVersion)
	s.handle("DELETE /api/v2/nodes/{id}/versions", false, s.purgeVersions)
	s.handle("POST /api/v2/nodes/{id}/versions/{n}/promote", false, s.promoteVersion)
	s.both("GET", "/nodes/{id}/content", s.content)
	s.both("GET", "/nodes/{id}/content/{name}", s.content)
	s.both("GET", "/nodes/{id}/versions/{n}/content", s.content)
	s.both("GET", "/nodes/{id}/versions/{n}/content/{name}", s.content)

	// Categories.
	s.handle("GET /api/v1/forms/nodes/categories/create", false, s.categoryForm)
	s.handle("GET /api/v1/forms/nodes/categories/update", false, s.categoryForm)
	s.both("GET", "/nodes/{id}/categories", s.listCategories)
	s.both("GET", "/nodes/{id}/categories/{cat}", s.getCategory)
	s.both("POST", "/nodes/{id}/categories", s.applyCategory)
	s.both("PUT", "/nodes/{id}/categories/{cat}", s.updateCategory)
	s.both("DELETE", "/nodes/{id}/categories/{cat}", s.removeCategory)

	// Records management and holds.
	s.handle("GET /api/v1/nodes/{id}/rmclassifications", false, s.getRM)
	s.handle("POST /api/v1/nodes/{id}/rmclassifications", false, s.applyRM)
	s.handle("PUT /api/v1/nodes/{id}/rmclassifications", false, s.updateRM)
	s.handle("DELETE /api/v1/nodes/{id}/rmclassifications/{class}", false, s.removeRM)
	s.handle("GET /api/v1/holds", false, s.listHolds)
	s.handle("GET /api/v2/holds", false, s.listHolds)
	s.handle("GET /api/v1/nodes/{id}/holds", false, s.nodeHolds)
	s.handle("POST /api/v1/nodes/{id}/holds", false, s.applyHold)
	s.handle("DELETE /api/v1/nodes/{id}/holds/{hold}", false, s.removeHold)

	s.handle("PUT /api/v1/rmclassifications/finalizerecords", false, s.finalizeRecords)

	// Workflows.
	s.handle("GET /api/v2/docworkflows", false, s.docWorkflows)
	s.handle("POST /api/v2/draftprocesses", false, s.createDraft)
	s.handle("POST /api/v2/draftprocesses/startwf", false, s.startWorkflow)
	s.handle("PUT /api/v2/draftprocesses/{id}", false, s.updateDraft)
	s.handle("GET /api/v1/forms/draftprocesses", false, s.draftForm)
	s.handle("GET /api/v1/forms/draftprocesses/update", false, s.draftForm)
	s.handle("GET /api/v2/workflows/status", false, s.workflowsStatus)
	s.handle("GET /api/v2/workflows/status/processes/{pid}", false, s.processStatus)
	s.handle("GET /api/v2/workflows/status/instances/{pid}", false, s.processStatus)
	s.handle("GET /api/v2/processes/{pid}/subprocesses/{sid}/activities", false, s.processActivities)
	s.handle("GET /api/v1/forms/processes/tasks/update", false, s.taskForm)
	s.handle("PUT /api/v2/processes/{pid}/subprocesses/{sid}/tasks/{tid}", false, s.sendTask)
	s.handle("PUT /api/v2/processes/{pid}/status", false, s.changeProcessStatus)
	s.handle("GET /api/v2/members/assignments", false, s.assignments)

	// Members.
	s.both("GET", "/members/{id}", s.getMember)
	s.handle("GET /api/v2/members", false, s.searchMembers)

	// Nicknames.
	s.handle("PUT /api/v2/nodes/{id}/nicknames", false, s.setNickname)
	s.handle("GET /api/v2/nicknames/{nick}/nodes", false, s.nodeByNickname)
}

// both registers a route under /api/v1 and /api/v2.
func (s *Server) both(method, path string, h handlerFunc) {
	s.handle(method+" /api/v1"+path, false, h)
	s.handle(method+" /api/v2"+path, false, h)
}

// handle registers one route; public routes skip the ticket check.
func (s *Server) handle(pattern string, public bool, h handlerFunc) {
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &call{s: s, r: r, v2: strings.HasPrefix(r.URL.Path, "/api/v2/")}
		if !public {
			sess := s.checkTicket(r)
			if sess == nil {
				writeJSONError(w, r, http.StatusUnauthorized, "Authentication Required")
				return
			}
			c.user, c.sess = sess.user, sess
			w = &rotatingWriter{ResponseWriter: w, ticket: func() string { return s.issueTicket(sess) }}
		}
		c.w = w
		p, up, err := s.parseRequest(r)
		if err != nil {
			status := http.StatusInternalServerError
			var bad errBadRequest
			if errors.As(err, &bad) {
				status = http.StatusBadRequest
			}
			writeJSONError(w, r, status, err.Error())
			return
		}
		defer up.discard()
		c.p, c.upload, c.suppress = p, up, suppressRequested(r, p)
		h(c)
	}))
}
