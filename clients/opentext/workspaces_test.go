package opentext

import (
	"reflect"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	sim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

func TestBusinessWorkspace(t *testing.T) {
	e := newEnv(t, sim.Options{})
	ws, err := e.c.BusinessWorkspace(ctx(t), sim.ProjectApolloWorkspaceID)
	if err != nil {
		t.Fatal(err)
	}
	want := []BusinessObjectRef{{System: "SAP", Type: "PROJECT", ID: "APOLLO"}}
	if ws.ID != sim.ProjectApolloWorkspaceID || ws.Name != "Project Apollo" || ws.Type != TypeBusinessWorkspace ||
		ws.TypeID != sim.ProjectWorkspaceTypeID || ws.TypeName != "Project" || !reflect.DeepEqual(ws.References, want) || ws.ModifyDate.IsZero() {
		t.Errorf("BusinessWorkspace = %+v", ws)
	}
	for _, id := range []int64{sim.ControlledDocumentsID, 424242} {
		_, err := e.c.BusinessWorkspace(ctx(t), id)
		if re := restErr(t, err); re.Kind != rest.KindNotFound || re.StatusCode != 404 {
			t.Errorf("BusinessWorkspace(%d): %v", id, err)
		}
	}
}

func TestFindBusinessWorkspace(t *testing.T) {
	e := newEnv(t, sim.Options{})
	// A second reference on another workspace must not confuse the lookup.
	other, err := e.sim.CreateWorkspace(sim.EnterpriseWorkspaceID, "ACME", 17, "Customer",
		sim.BusinessObjectRef{ExternalSystemID: "SFDC", Type: "ACCOUNT", ID: "1"},
		sim.BusinessObjectRef{ExternalSystemID: "SAP", Type: "KNA1", ID: "APOLLO"})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := e.c.FindBusinessWorkspace(ctx(t), BusinessObjectRef{System: "SAP", Type: "PROJECT", ID: "APOLLO"})
	if err != nil || ws == nil || ws.ID != sim.ProjectApolloWorkspaceID || ws.TypeName != "Project" {
		t.Fatalf("FindBusinessWorkspace = %+v, %v", ws, err)
	}
	// A secondary reference finds its workspace, with every reference.
	ws, err = e.c.FindBusinessWorkspace(ctx(t), BusinessObjectRef{System: "SAP", Type: "KNA1", ID: "APOLLO"})
	if err != nil || ws == nil || ws.ID != other.ID || len(ws.References) != 2 || ws.References[0].System != "SFDC" {
		t.Errorf("secondary reference = %+v, %v", ws, err)
	}
	ws, err = e.c.FindBusinessWorkspace(ctx(t), BusinessObjectRef{System: "SAP", Type: "PROJECT", ID: "NONE"})
	if err != nil || ws != nil {
		t.Errorf("no match = %+v, %v", ws, err)
	}
	if _, err := e.sim.CreateWorkspace(sim.EnterpriseWorkspaceID, "Apollo (copy)", sim.ProjectWorkspaceTypeID, "Project",
		sim.BusinessObjectRef{ExternalSystemID: "SAP", Type: "PROJECT", ID: "APOLLO"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.FindBusinessWorkspace(ctx(t), BusinessObjectRef{System: "SAP", Type: "PROJECT", ID: "APOLLO"})
	if re := restErr(t, err); re.Kind != rest.KindConflict {
		t.Errorf("two matches: %v", err)
	}
	if _, err := e.c.FindBusinessWorkspace(ctx(t), BusinessObjectRef{System: "SAP", ID: "APOLLO"}); err == nil {
		t.Error("incomplete reference accepted")
	}
}

func TestEnclosingWorkspace(t *testing.T) {
	e := newEnv(t, sim.Options{})
	folder, err := e.c.CreateFolder(ctx(t), sim.ProjectApolloWorkspaceID, "Contracts")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]int64{
		sim.ProjectApolloWorkspaceID: sim.ProjectApolloWorkspaceID,
		sim.ApolloAgreementID:        sim.ProjectApolloWorkspaceID,
		folder.ID:                    sim.ProjectApolloWorkspaceID,
		sim.SOPIncidentResponseID:    0,
		sim.EnterpriseWorkspaceID:    0,
	} {
		if got, err := e.c.EnclosingWorkspace(ctx(t), id); err != nil || got != want {
			t.Errorf("EnclosingWorkspace(%d) = %d, %v; want %d", id, got, err, want)
		}
	}
	_, err = e.c.EnclosingWorkspace(ctx(t), 424242)
	if re := restErr(t, err); re.Kind != rest.KindNotFound {
		t.Errorf("unknown node: %v", err)
	}
}
