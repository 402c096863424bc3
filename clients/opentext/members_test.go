package opentext

import (
	"testing"

	sim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

func TestMembersLookup(t *testing.T) {
	e := newEnv(t, sim.Options{})
	legal, err := e.c.FindGroup(ctx(t), "legal")
	if err != nil || legal == nil || legal.ID != sim.LegalGroupID || legal.Type != MemberGroup || legal.Name != "Legal" {
		t.Fatalf("FindGroup legal: %+v %v", legal, err)
	}
	// where_name is a contains-match: "Admin" alone must not find "RM Administrators".
	if g, err := e.c.FindGroup(ctx(t), "Admin"); err != nil || g != nil {
		t.Errorf("FindGroup Admin: %+v %v", g, err)
	}
	lena, err := e.c.FindUser(ctx(t), "LENA")
	if err != nil || lena == nil || lena.ID != sim.LenaUserID || lena.Email != "lena@example.com" || lena.GroupID != sim.DefaultGroupID || lena.Type != MemberUser {
		t.Fatalf("FindUser lena: %+v %v", lena, err)
	}
	if u, err := e.c.FindUser(ctx(t), "Oscar@Example.com"); err != nil || u == nil || u.ID != sim.OscarUserID {
		t.Errorf("FindUser by e-mail: %+v %v", u, err)
	}
	for _, q := range []string{"reviewer", "example.com", "nobody@example.com"} {
		if u, err := e.c.FindUser(ctx(t), q); err != nil || u != nil {
			t.Errorf("FindUser %q: %+v %v", q, u, err)
		}
	}
	members, err := e.c.GroupMembers(ctx(t), sim.RMAdministratorsGroupID)
	if err != nil || len(members) != 2 || members[0].Name != "Admin" || members[1].Name != "bridge" {
		t.Errorf("GroupMembers RM Administrators: %+v %v", members, err)
	}
	if _, err := e.c.GroupMembers(ctx(t), sim.LenaUserID); err == nil || restErr(t, err).StatusCode != 500 {
		t.Errorf("GroupMembers of a user: %v", err)
	}
	if m, err := e.c.GetMember(ctx(t), sim.LegalGroupID); err != nil || m.Name != "Legal" || m.TypeName != "Group" {
		t.Errorf("GetMember: %+v %v", m, err)
	}
}
