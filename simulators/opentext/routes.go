package opentext

import (
	"errors"
	"net/http"
	"strings"
)

// route is one API route: "METHOD /api/v1/path", or "METHOD /api/v1|v2/path"
// for a route served under both API versions, and its handler.
type route struct {
	pattern string
	handler handlerFunc
}

// routes registers every API route. Paths are matched after the prefix and
// an optional trailing slash have been stripped.
func (s *Server) routes() {
	// Public routes: no ticket is needed to ping or to log in.
	for _, r := range []route{
		{"GET /api/v1/ping", s.ping},
		{"POST /api/v1/auth", s.login},
	} {
		s.register(r, true)
	}
	for _, r := range []route{
		// Authentication and server information.
		{"GET /api/v1/auth", s.whoAmI},
		{"DELETE /api/v1/auth", s.logout},
		{"GET /api/v1/serverinfo", s.serverInfo},

		// Nodes and browsing.
		{"GET /api/v1|v2/nodes/{id}", s.getNode},
		{"GET /api/v1|v2/nodes/{id}/nodes", s.browse},
		{"POST /api/v1|v2/nodes", s.createNode},
		{"PUT /api/v1|v2/nodes/{id}", s.updateNode},
		{"DELETE /api/v1|v2/nodes/{id}", s.deleteNode},
		{"POST /api/v2/nodes/list", s.listNodes},
		{"POST /api/v2/volumes/recyclebin/nodes/purge", s.recycleBinAction(false)},
		{"POST /api/v2/volumes/recyclebin/nodes/restore", s.recycleBinAction(true)},
		{"POST /api/v1/validation/nodes/names", s.validateNames},
		{"GET /api/v1/nodes/{id}/ancestors", s.ancestors},
		{"GET /api/v2/volumes", s.volumes},
		{"GET /api/v1|v2/volumes/{type}", s.volume},

		// Versions and content.
		{"POST /api/v1|v2/nodes/{id}/versions", s.addVersion},
		{"GET /api/v1|v2/nodes/{id}/versions", s.listVersions},
		{"GET /api/v2/nodes/{id}/audit", s.nodeAudit},
		{"GET /api/v1|v2/nodes/{id}/versions/latest", s.getVersion},
		{"GET /api/v1|v2/nodes/{id}/versions/{n}", s.getVersion},
		{"DELETE /api/v1|v2/nodes/{id}/versions/{n}", s.deleteVersion},
		{"DELETE /api/v2/nodes/{id}/versions", s.purgeVersions},
		{"POST /api/v2/nodes/{id}/versions/{n}/promote", s.promoteVersion},
		{"GET /api/v1|v2/nodes/{id}/content", s.content},
		{"GET /api/v1|v2/nodes/{id}/content/{name}", s.content},
		{"GET /api/v1|v2/nodes/{id}/versions/{n}/content", s.content},
		{"GET /api/v1|v2/nodes/{id}/versions/{n}/content/{name}", s.content},

		// Categories.
		{"GET /api/v1/forms/nodes/categories/create", s.categoryForm},
		{"GET /api/v1/forms/nodes/categories/update", s.categoryForm},
		{"GET /api/v1|v2/nodes/{id}/categories", s.listCategories},
		{"GET /api/v1|v2/nodes/{id}/categories/{cat}", s.getCategory},
		{"POST /api/v1|v2/nodes/{id}/categories", s.applyCategory},
		{"PUT /api/v1|v2/nodes/{id}/categories/{cat}", s.updateCategory},
		{"DELETE /api/v1|v2/nodes/{id}/categories/{cat}", s.removeCategory},

		// Records management and holds.
		{"GET /api/v1/nodes/{id}/rmclassifications", s.getRM},
		{"POST /api/v1/nodes/{id}/rmclassifications", s.applyRM},
		{"PUT /api/v1/nodes/{id}/rmclassifications", s.updateRM},
		{"DELETE /api/v1/nodes/{id}/rmclassifications/{class}", s.removeRM},
		{"GET /api/v1|v2/holds", s.listHolds},
		{"GET /api/v1/nodes/{id}/holds", s.nodeHolds},
		{"POST /api/v1/nodes/{id}/holds", s.applyHold},
		{"DELETE /api/v1/nodes/{id}/holds/{hold}", s.removeHold},

		{"PUT /api/v1/rmclassifications/finalizerecords", s.finalizeRecords},

		// Workflows.
		{"GET /api/v2/docworkflows", s.docWorkflows},
		{"POST /api/v2/draftprocesses", s.createDraft},
		{"POST /api/v2/draftprocesses/startwf", s.startWorkflow},
		{"PUT /api/v2/draftprocesses/{id}", s.updateDraft},
		{"GET /api/v1/forms/draftprocesses", s.draftForm},
		{"GET /api/v1/forms/draftprocesses/update", s.draftForm},
		{"GET /api/v2/workflows/status", s.workflowsStatus},
		{"GET /api/v2/workflows/status/processes/{pid}", s.processStatus},
		{"GET /api/v2/workflows/status/instances/{pid}", s.processStatus},
		{"GET /api/v2/processes/{pid}/subprocesses/{sid}/activities", s.processActivities},
		{"GET /api/v1/forms/processes/tasks/update", s.taskForm},
		{"PUT /api/v2/processes/{pid}/subprocesses/{sid}/tasks/{tid}", s.sendTask},
		{"PUT /api/v2/processes/{pid}/status", s.changeProcessStatus},
		{"GET /api/v2/members/assignments", s.assignments},

		// Members.
		{"GET /api/v1|v2/members/{id}", s.getMember},
		{"GET /api/v2/members", s.searchMembers},
		{"GET /api/v2/members/memberof", s.memberOf},
		{"GET /api/v2/members/{id}/members", s.groupMembers},
		{"POST /api/v2/members/{id}/members", s.addGroupMembers},

		// Node permissions (permissions.go).
		{"GET /api/v2/nodes/{id}/permissions", s.listPermissions},
		{"GET /api/v2/nodes/{id}/permissions/owner", s.defaultEntry("owner")},
		{"GET /api/v2/nodes/{id}/permissions/group", s.defaultEntry("group")},
		{"GET /api/v2/nodes/{id}/permissions/public", s.defaultEntry("public")},
		{"PUT /api/v2/nodes/{id}/permissions/owner", s.putDefault("owner")},
		{"PUT /api/v2/nodes/{id}/permissions/group", s.putDefault("group")},
		{"PUT /api/v2/nodes/{id}/permissions/public", s.putDefault("public")},
		{"DELETE /api/v2/nodes/{id}/permissions/owner", s.deleteDefault("owner")},
		{"DELETE /api/v2/nodes/{id}/permissions/group", s.deleteDefault("group")},
		{"DELETE /api/v2/nodes/{id}/permissions/public", s.deleteDefault("public")},
		{"POST /api/v2/nodes/{id}/permissions/custom", s.addCustom},
		{"PUT /api/v2/nodes/{id}/permissions/custom/{right}", s.updateCustom},
		{"DELETE /api/v2/nodes/{id}/permissions/custom/{right}", s.deleteCustom},
		{"GET /api/v2/nodes/{id}/permissions/effective/{right}", s.effectivePermissions},

		// Search (GET is the deprecated form of the same call).
		{"POST /api/v2/search", s.search}, {"GET /api/v2/search", s.search},

		// Business workspaces.
		{"GET /api/v2/businessworkspaces", s.listWorkspaces},
		{"GET /api/v1|v2/businessworkspaces/{id}", s.getWorkspace},
		{"GET /api/v1/nodes/{id}/businessworkspace", s.enclosingWorkspace},

		// Nicknames.
		{"PUT /api/v2/nodes/{id}/nicknames", s.setNickname},
		{"GET /api/v2/nicknames/{nick}/nodes", s.nodeByNickname},
	} {
		s.register(r, false)
	}
}

// register adds one route, expanding "/api/v1|v2/" into the /api/v1 and
// /api/v2 routes; public routes skip the ticket check.
func (s *Server) register(r route, public bool) {
	if before, after, both := strings.Cut(r.pattern, "/api/v1|v2/"); both {
		s.handle(before+"/api/v1/"+after, public, r.handler)
		s.handle(before+"/api/v2/"+after, public, r.handler)
		return
	}
	s.handle(r.pattern, public, r.handler)
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
		var sw *statusWriter
		if !public && logsWrites(pattern) {
			sw = &statusWriter{ResponseWriter: w}
			w = sw
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
		if sw != nil {
			s.logWrite(c, pattern, sw.status)
		}
	}))
}
