package opentext

import (
	"net/http"
	"sort"
	"time"
)

// fixedMemberIDs are the documented ids of the seed users; extra
// configured users never take them, nor the seed groups' ids.
var fixedMemberIDs = map[string]int64{
	"Admin": AdminUserID, "bridge": BridgeUserID, "reviewer1": Reviewer1UserID, "reviewer2": Reviewer2UserID,
	"lena": LenaUserID, "oscar": OscarUserID,
}

// seedEmails are the business e-mail addresses that user mapping relies
// on; other users get name@example.invalid.
var seedEmails = map[string]string{"lena": "lena@example.com", "oscar": "oscar@example.com"}

func (s *Server) seedUsers() {
	// Seed users keep their documented ids; extra configured users follow.
	taken := map[int64]bool{DefaultGroupID: true, LegalGroupID: true, RMAdministratorsGroupID: true}
	for _, id := range fixedMemberIDs {
		taken[id] = true
	}
	next := BridgeUserID + 1
	names := make([]string, 0, len(s.opt.Users))
	for name := range s.opt.Users {
		names = append(names, name)
	}
	sort.Strings(names) // deterministic ids for extra users
	for _, name := range names {
		pw := s.opt.Users[name]
		id, ok := fixedMemberIDs[name]
		if !ok {
			for taken[next] {
				next++
			}
			id = next
			next++
		}
		email := seedEmails[name]
		if email == "" {
			email = name + "@example.invalid"
		}
		// Admin and bridge hold system administration rights: the bridge's
		// service account must reach everything it files, whoever may see it.
		u := &user{id: id, name: name, password: pw, email: email, groupID: DefaultGroupID, privileged: name == "Admin" || name == "bridge"}
		s.users[name] = u
		s.usersByID[id] = u
	}
	s.seedGroups()
}

// ticketEntry ties one issued ticket to its session.
type ticketEntry struct {
	sess   *session
	issued time.Time
}

// checkTicket resolves the request's ticket to a live session and marks it
// used. Header names are case-insensitive; pyxecm's LLCookie also counts.
func (s *Server) checkTicket(r *http.Request) *session {
	t := r.Header.Get("OTCSTicket")
	if t == "" {
		if ck, err := r.Cookie("LLCookie"); err == nil {
			t = ck.Value
		}
	}
	if t == "" {
		return nil
	}
	s.authMu.Lock()
	defer s.authMu.Unlock()
	e := s.tickets[t]
	if e == nil || e.sess.ended {
		return nil
	}
	now := s.clock()
	if now.Sub(e.sess.lastUsed) > s.opt.TicketTTL {
		e.sess.ended = true
		return nil
	}
	e.sess.lastUsed = now
	return e.sess
}

// issueTicket hands out a new ticket for a session. Older tickets of the
// same session stay valid, as OTCS's do, so concurrent calls that still
// carry a previous ticket are not refused.
func (s *Server) issueTicket(sess *session) string {
	t := newToken(24)
	s.authMu.Lock()
	defer s.authMu.Unlock()
	now := s.clock()
	if len(s.tickets) > 20000 {
		for k, e := range s.tickets {
			if e.sess.ended || now.Sub(e.sess.lastUsed) > s.opt.TicketTTL || now.Sub(e.issued) > s.opt.TicketTTL {
				delete(s.tickets, k)
			}
		}
	}
	s.tickets[t] = &ticketEntry{sess: sess, issued: now}
	return t
}

// login is POST /api/v1/auth. Logins are never rate-limited by the
// simulator's own logic (cs-rest 3.x logs in before every call).
func (s *Server) login(c *call) {
	name, pw := c.p.str("username"), c.p.str("password")
	if !c.p.has("username") || name == "" {
		c.fail(http.StatusInternalServerError, "Argument username is required")
		return
	}
	if !c.p.has("password") {
		c.fail(http.StatusInternalServerError, "Argument password is required")
		return
	}
	u := s.users[name]
	if u == nil || u.password != pw {
		c.fail(http.StatusUnauthorized, "Invalid username/password specified.")
		return
	}
	sess := &session{user: u, lastUsed: s.clock()}
	t := s.issueTicket(sess)
	c.w.Header().Set("OTCSTicket", t)
	c.json(http.StatusOK, map[string]any{"ticket": t})
}

func (s *Server) whoAmI(c *call) {
	c.json(http.StatusOK, map[string]any{"data": userJSON(c.user)})
}

func userJSON(u *user) map[string]any {
	return map[string]any{
		"id": u.id, "name": u.name, "first_name": u.name, "last_name": "", "business_email": u.email,
		"group_id": u.groupID, "type": 0, "type_name": "User", "deleted": false, "name_formatted": u.name,
		"privilege_login": true, "privilege_public_access": true, "privilege_system_admin_rights": u.privileged,
	}
}

func (s *Server) logout(c *call) {
	s.authMu.Lock()
	c.sess.ended = true
	s.authMu.Unlock()
	c.json(http.StatusOK, map[string]any{})
}

func (s *Server) ping(c *call) {
	c.json(http.StatusOK, map[string]any{"rest_api": []any{
		map[string]any{"build": 2, "href": "api/v1", "version": 1},
		map[string]any{"build": 2, "href": "api/v2", "version": 2},
	}})
}

func (s *Server) serverInfo(c *call) {
	ttl := s.opt.TicketTTL.Milliseconds()
	c.json(http.StatusOK, map[string]any{
		"server": map[string]any{"version": "26.1 (simulated)", "language": "en_US"},
		"sessions": map[string]any{
			"enabled": true, "expire_after_last_login": false, "expire_after_last_request": true,
			"session_inactivity": ttl, "session_reaction_time": 180000, "session_timeout": ttl, "logout_url": "",
		},
	})
}
