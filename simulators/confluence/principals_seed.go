package confluence

import "sort"

// DefaultUsers are the users of a simulator started without
// Options.Users: the bridge's own account, an editor, two people for
// permission tests (lena is in legal, oscar is not) and the seed pages'
// authors, who cannot log in (carol hides her email).
func DefaultUsers() []User {
	return []User{
		{Email: "bridge@example.com", Token: "demo-token", DisplayName: "xECM Bridge"},
		{Email: "editor@example.com", Token: "editor-token", DisplayName: "Eddie Editor"},
		{Email: "lena@example.com", Token: "lena-token", DisplayName: "Lena Lawson"},
		{Email: "oscar@example.com", Token: "oscar-token", DisplayName: "Oscar Olsen"},
		{Email: "alice@example.com", DisplayName: "Alice Archer"},
		{Email: "bob@example.com", DisplayName: "Bob Baker"},
		{Email: "carol@example.com", DisplayName: "Carol Cole", HideEmail: true},
		{Email: "board@example.com", DisplayName: "Board Secretary"},
		{Email: "admin@example.com", DisplayName: "Site Administrator"}, // who the Go API's edits are attributed to
	}
}

// DefaultGroups are the groups of a simulator started without
// Options.Groups (besides confluence-users, which always holds everyone):
// records-admins and confluence-administrators (the Confluence
// Administrator global permission) hold the bridge, legal holds lena,
// pol-approvers the people who approve in the demo's POL space.
func DefaultGroups() map[string][]string {
	return map[string][]string{
		"records-admins": {bridgeAccount},
		adminsGroup:      {bridgeAccount},
		"legal":          {"557058:lena"},
		// Who may approve in POL (the demo mapping's approval.approvers).
		"pol-approvers": {"557058:alice", "557058:bob", "557058:editor", "557058:lena", "557058:board", adminAccount},
	}
}

// addInitialPrincipals fills the directory from the options.
func (s *Server) addInitialPrincipals(opt Options) {
	users := DefaultUsers()
	if len(opt.Users) > 0 {
		users = nil
		for email, token := range opt.Users {
			users = append(users, User{Email: email, Token: token})
		}
		sort.Slice(users, func(i, j int) bool { return users[i].Email < users[j].Email })
	}
	s.dir.mu.Lock()
	s.dir.addMembers(usersGroup) // exists even before the first user
	s.dir.mu.Unlock()
	for _, u := range users {
		_, _ = s.dir.addUser(u) // duplicates cannot occur: emails are map keys
	}
	groups := opt.Groups
	if groups == nil {
		groups = DefaultGroups()
	}
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	for name, members := range groups {
		s.dir.addMembers(name, members...)
	}
}
