package confluence

import (
	"crypto/sha1"
	"crypto/subtle"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Users and groups. Confluence Cloud names a user by account id and a
// group by id (a UUID) and by name; Data Center names both by name. The
// simulator keeps names in restrictions, as both surfaces accept them, and
// derives each group's id from its name, so ids are stable across runs.

// User is a snapshot of a simulated user.
type User struct {
	AccountID   string `json:"accountId"`   // default: "557058:" plus the email's local part
	Email       string `json:"email"`       // also the Basic auth user name (as is the local part)
	DisplayName string `json:"displayName"` // default: the local part, capitalised
	// Token is the API token (Cloud Basic email:token) and the personal
	// access token (DC Bearer) of the user; empty means the user cannot
	// log in (an author known only by id).
	Token string `json:"token,omitempty"`
	// HideEmail is the Cloud profile privacy setting: the email is then
	// answered as "" to everyone but the user.
	HideEmail bool `json:"hideEmail,omitempty"`
}

// Group is a snapshot of a simulated group.
type Group struct {
	ID      string   `json:"id"` // Cloud's group id: a UUID derived from the name
	Name    string   `json:"name"`
	Members []string `json:"members"` // account ids, sorted
}

// The group every user is in (site access) and the group whose members
// hold the Confluence Administrator global permission.
const (
	usersGroup  = "confluence-users"
	adminsGroup = "confluence-administrators"
)

// directory holds users and groups. It has its own lock, taken after
// s.mu when both are needed (never the other way round), because
// authentication reads it before a handler locks s.mu.
type directory struct {
	mu     sync.RWMutex
	users  []*User           // in the order added
	groups map[string]*Group // by name
	byID   map[string]*Group // by id
}

func newDirectory() *directory {
	return &directory{groups: map[string]*Group{}, byID: map[string]*Group{}}
}

// groupIDFor derives a UUID-shaped id from a group name (SHA-1, version 5
// layout), so the same name always has the same id.
func groupIDFor(name string) string {
	h := sha1.Sum([]byte("xecm-bridge simulator group:" + name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func displayNameFor(email string) string {
	local, _, _ := strings.Cut(email, "@")
	if local == "" {
		return email
	}
	return strings.ToUpper(local[:1]) + local[1:]
}

// addUser adds u (filling in defaults) to the directory and to the
// general users group; an existing email or account id is an error.
func (d *directory) addUser(u User) (User, error) {
	if u.Email == "" {
		return User{}, fmt.Errorf("confluence simulator: a user needs an email")
	}
	if u.AccountID == "" {
		u.AccountID = accountIDFor(u.Email)
	}
	if u.DisplayName == "" {
		u.DisplayName = displayNameFor(u.Email)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, o := range d.users {
		if strings.EqualFold(o.Email, u.Email) || o.AccountID == u.AccountID {
			return User{}, fmt.Errorf("confluence simulator: user %s (%s) already exists", u.Email, u.AccountID)
		}
	}
	stored := u
	d.users = append(d.users, &stored)
	d.addMembers(usersGroup, u.AccountID)
	return u, nil
}

// addMembers creates the group when needed and adds the accounts to it.
// Call with d.mu held for writing.
func (d *directory) addMembers(name string, accountIDs ...string) *Group {
	g := d.groups[name]
	if g == nil {
		g = &Group{ID: groupIDFor(name), Name: name}
		d.groups[name], d.byID[g.ID] = g, g
	}
	for _, id := range accountIDs {
		if id != "" && !contains(g.Members, id) {
			g.Members = append(g.Members, id)
		}
	}
	sort.Strings(g.Members)
	return g
}

// login returns the account id of the user whose Basic name (email or its
// local part) and token match.
func (d *directory) login(name, token string) (string, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, u := range d.users {
		local, _, _ := strings.Cut(u.Email, "@")
		if u.Token != "" && (strings.EqualFold(name, u.Email) || name == local) &&
			subtle.ConstantTimeCompare([]byte(u.Token), []byte(token)) == 1 {
			return u.AccountID, true
		}
	}
	return "", false
}

// bearer returns the account whose personal access token this is.
func (d *directory) bearer(token string) (string, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, u := range d.users {
		if u.Token != "" && subtle.ConstantTimeCompare([]byte(u.Token), []byte(token)) == 1 {
			return u.AccountID, true
		}
	}
	return "", false
}

// user finds a user by account id, user key or username (the simulator's
// account id serves as all three), email, or the email's local part.
func (d *directory) user(name string) (User, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, u := range d.users {
		local, _, _ := strings.Cut(u.Email, "@")
		if name == u.AccountID || strings.EqualFold(name, u.Email) || name == local {
			return *u, true
		}
	}
	return User{}, false
}

// group finds a group by name or by id.
func (d *directory) group(nameOrID string) (Group, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	g := d.groups[nameOrID]
	if g == nil {
		g = d.byID[nameOrID]
	}
	if g == nil {
		return Group{}, false
	}
	return g.snapshot(), true
}

func (g *Group) snapshot() Group {
	c := *g
	c.Members = append([]string{}, g.Members...)
	return c
}

// memberOf reports whether the account is in the group (named by name).
func (d *directory) memberOf(accountID, group string) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	g := d.groups[group]
	return g != nil && contains(g.Members, accountID)
}

// sortedGroups returns snapshots of every group, by name (v1's order).
func (d *directory) sortedGroups() []Group {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]Group, 0, len(d.groups))
	for _, g := range d.groups {
		out = append(out, g.snapshot())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// resolveUser maps what a client may name a user by (account id, DC user
// key or username, email, or the email's local part) to the account id.
// Unknown names are kept as given: Confluence stores restrictions for
// users it knows only by id.
func (s *Server) resolveUser(name string) string {
	if u, ok := s.dir.user(name); ok {
		return u.AccountID
	}
	return name
}

// resolveGroup maps a group id or name to the name restrictions keep;
// an unknown one is kept as given.
func (s *Server) resolveGroup(nameOrID string) string {
	if g, ok := s.dir.group(nameOrID); ok {
		return g.Name
	}
	return nameOrID
}

// inGroup reports whether the account is a member of the group (by name).
func (s *Server) inGroup(accountID, group string) bool { return s.dir.memberOf(accountID, group) }

// isAdmin reports whether the account holds the Confluence Administrator
// global permission (may check other users' permissions).
func (s *Server) isAdmin(accountID string) bool { return s.inGroup(accountID, adminsGroup) }

// AddUser adds a user, who joins confluence-users and so may read every
// space open to it. Empty AccountID and DisplayName get their defaults.
func (s *Server) AddUser(u User) (User, error) { return s.dir.addUser(u) }

// AddGroup creates the group when it does not exist and adds the members
// (account ids, emails or local parts) to it.
func (s *Server) AddGroup(name string, members ...string) Group {
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = s.resolveUser(m)
	}
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	return s.dir.addMembers(name, ids...).snapshot()
}

// RemoveGroupMember takes the account out of the group; false when the
// group does not exist.
func (s *Server) RemoveGroupMember(group, member string) bool {
	id := s.resolveUser(member)
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	g := s.dir.groups[s.resolveGroupLocked(group)]
	if g == nil {
		return false
	}
	g.Members = without(g.Members, id)
	return true
}

// resolveGroupLocked is resolveGroup with s.dir.mu already held.
func (s *Server) resolveGroupLocked(nameOrID string) string {
	if g := s.dir.byID[nameOrID]; g != nil {
		return g.Name
	}
	return nameOrID
}

// Users returns snapshots of every user, in the order they were added.
func (s *Server) Users() []User {
	s.dir.mu.RLock()
	defer s.dir.mu.RUnlock()
	out := make([]User, len(s.dir.users))
	for i, u := range s.dir.users {
		out[i] = *u
	}
	return out
}

// Groups returns snapshots of every group, by name.
func (s *Server) Groups() []Group { return s.dir.sortedGroups() }

// GroupByName returns the group's snapshot (its id included).
func (s *Server) GroupByName(name string) (Group, bool) {
	g, ok := s.dir.group(name)
	return g, ok && g.Name == name
}
