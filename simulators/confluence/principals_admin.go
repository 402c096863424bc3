package confluence

import (
	"encoding/json"
	"net/http"
)

// Admin endpoints for principals, for tests and the demo (no auth):
//
//	POST /__sim/users                  {"email","token","displayName","accountId","hideEmail"} → the User
//	POST /__sim/groups                 {"name","members":[account ids or emails]} → the Group
//	PUT  /__sim/spaces/{key}/readers   {"users":[...],"groups":[names or ids]} → the space's assignments
//
// They call AddUser, AddGroup and SetSpaceReaders.

func (s *Server) adminPrincipalRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /__sim/users", s.adminAddUser)
	mux.HandleFunc("POST /__sim/groups", s.adminAddGroup)
	mux.HandleFunc("PUT /__sim/spaces/{key}/readers", s.adminSpaceReaders)
}

// readAdminJSON decodes an admin request body, answering 400 itself.
func readAdminJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		http.Error(w, "bad JSON body: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func (s *Server) adminAddUser(w http.ResponseWriter, r *http.Request) {
	var u User
	if !readAdminJSON(w, r, &u) {
		return
	}
	out, err := s.AddUser(u)
	if err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) adminAddGroup(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name    string   `json:"name"`
		Members []string `json:"members"`
	}
	if !readAdminJSON(w, r, &req) {
		return
	}
	if req.Name == "" {
		http.Error(w, "name is required", http.StatusBadRequest)
		return
	}
	writeJSON(w, http.StatusOK, s.AddGroup(req.Name, req.Members...))
}

func (s *Server) adminSpaceReaders(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Users  []string `json:"users"`
		Groups []string `json:"groups"`
	}
	if !readAdminJSON(w, r, &req) {
		return
	}
	key := r.PathValue("key")
	if err := s.SetSpaceReaders(key, req.Users, req.Groups); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	perms, _ := s.SpacePermissions(key)
	writeJSON(w, http.StatusOK, perms)
}
