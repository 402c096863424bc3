package opentext

import (
	"fmt"
	"slices"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	sim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

func TestPermissionsRoundTrip(t *testing.T) {
	e := newEnv(t, sim.Options{})
	c := ctx(t)
	folder, err := e.c.CreateFolder(c, sim.PoliciesFolderID, "Legal Only")
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.c.NodePermissions(c, folder.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Inherited from Policies, with the bridge as owner.
	if !p.PublicCanSee() || !p.PublicCanRead() || p.Owner == nil || p.Owner.RightID != sim.BridgeUserID || p.OwnerGroup == nil ||
		p.OwnerGroup.RightID != sim.DefaultGroupID || len(p.OwnerGroup.Permissions) != 0 || len(p.Custom) != 0 {
		t.Fatalf("inherited permissions: %+v owner %+v group %+v public %+v", p, p.Owner, p.OwnerGroup, p.Public)
	}

	// Restrict to Legal: public access none, Legal read.
	if err := e.c.SetPublicPermissions(c, folder.ID, nil, ApplyThisItem); err != nil {
		t.Fatal(err)
	}
	if err := e.c.AddCustomPermission(c, folder.ID, sim.LegalGroupID, ReadPermissions, ApplyThisItem); err != nil {
		t.Fatal(err)
	}
	doc := mustDoc(t, e, folder.ID, "contract.txt", "secret")
	p, err = e.c.NodePermissions(c, doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.PublicCanSee() || p.Assigned(sim.LegalGroupID) == nil || !p.Assigned(sim.LegalGroupID).Permissions.CanRead() || p.Assigned(sim.OscarUserID) != nil {
		t.Fatalf("document did not inherit the restriction: public %+v custom %+v", p.Public, p.Custom)
	}

	lena, oscar := e.clientAs(t, "lena", "lena-secret"), e.clientAs(t, "oscar", "oscar-secret")
	if n, err := lena.GetNode(c, doc.ID); err != nil || n.Name != "contract.txt" {
		t.Errorf("lena GetNode: %+v %v", n, err)
	}
	if _, err := oscar.GetNode(c, doc.ID); err == nil || restErr(t, err).Kind != rest.KindNotFound {
		t.Errorf("oscar GetNode: %v", err)
	}
	if page, err := oscar.ListChildren(c, sim.PoliciesFolderID, ListOptions{}); err != nil || slices.ContainsFunc(page.Nodes, func(n Node) bool { return n.ID == folder.ID }) {
		t.Errorf("oscar browse shows the folder: %+v %v", page, err)
	}
	if _, err := oscar.NodePermissions(c, doc.ID); err == nil || restErr(t, err).Kind != rest.KindNotFound {
		t.Errorf("oscar NodePermissions: %v", err)
	}
	// Lena may read but not change permissions: KindForbidden, not retried.
	before := e.sim.Requests()
	err = lena.SetPublicPermissions(c, doc.ID, ReadPermissions, ApplyThisItem)
	if err == nil || restErr(t, err).Kind != rest.KindForbidden || restErr(t, err).StatusCode != 500 {
		t.Errorf("lena SetPublicPermissions: %v", err)
	}
	if n := e.sim.Requests() - before; n > 2 { // the login and the one refused call
		t.Errorf("a refusal was retried: %d requests", n)
	}

	// Effective permissions: lena through Legal, oscar nothing, Legal itself.
	for member, want := range map[int64]string{sim.LenaUserID: "[see see_contents]", sim.OscarUserID: "[]", sim.LegalGroupID: "[see see_contents]"} {
		got, err := e.c.EffectivePermissions(c, doc.ID, member)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("EffectivePermissions %d = %v %v, want %s", member, got, err, want)
		}
	}

	// Update, then remove, Legal's entry on the folder and everything in it.
	if err := e.c.UpdateCustomPermission(c, folder.ID, sim.LegalGroupID, PermissionSet{PermSee}, ApplyThisAndSubItems); err != nil {
		t.Fatal(err)
	}
	if got, err := e.c.EffectivePermissions(c, doc.ID, sim.LenaUserID); err != nil || got.CanRead() || !got.Has(PermSee) {
		t.Errorf("after update: %v %v", got, err)
	}
	if err := e.c.RemoveCustomPermission(c, folder.ID, sim.LegalGroupID, ApplyThisAndSubItems); err != nil {
		t.Fatal(err)
	}
	if _, err := lena.GetNode(c, doc.ID); err == nil || restErr(t, err).Kind != rest.KindNotFound {
		t.Errorf("lena still sees the document: %v", err)
	}
	if err := e.c.RemoveCustomPermission(c, folder.ID, sim.LegalGroupID, ApplyThisItem); err == nil || restErr(t, err).Kind != rest.KindBadRequest {
		t.Errorf("removing an absent entry: %v", err)
	}

	// The owner group: another group, with read.
	if err := e.c.SetOwnerGroupPermissions(c, doc.ID, sim.LegalGroupID, ReadPermissions, ApplyThisItem); err != nil {
		t.Fatal(err)
	}
	if p, err := e.c.NodePermissions(c, doc.ID); err != nil || p.OwnerGroup.RightID != sim.LegalGroupID || !p.OwnerGroup.Permissions.CanRead() {
		t.Errorf("owner group: %+v %v", p.OwnerGroup, err)
	}
	if got, err := e.c.EffectivePermissions(c, doc.ID, sim.LenaUserID); err != nil || !got.CanRead() {
		t.Errorf("lena through the owner group: %v %v", got, err)
	}
	// apply_to on a document is refused.
	if err := e.c.SetPublicPermissions(c, doc.ID, nil, ApplySubItems); err == nil || restErr(t, err).Kind != rest.KindBadRequest {
		t.Errorf("apply_to on a document: %v", err)
	}
}
