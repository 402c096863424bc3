package templates

import (
	"context"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

// A template only Legal may see in OTCS is never a Confluence template
// (those cannot be restricted): its copy is restricted like a document
// page (made under the staging page, then moved). A public template that
// becomes restricted loses its Confluence template before its copy is
// rewritten.
func TestRestrictedTemplateIsACopyOnly(t *testing.T) {
	w, src, tpl := templateWorld(t)
	ctx := context.Background()
	oscar := w.Person(t, "oscar@example.com", "oscar-token")
	lena := w.Person(t, "lena@example.com", "lena-token")
	if err := w.OTSim.RestrictNode(opentextsim.SOPTemplateID, opentextsim.LegalGroupID); err != nil {
		t.Fatal(err)
	}
	res, err := tpl.PublishTemplates(ctx, activities.PublishTemplatesInput{Docs: describeTemplates(t, src, opentextsim.SOPTemplateID, opentextsim.CharterTemplateID)})
	if err != nil {
		t.Fatal(err)
	}
	sopT, charter := res.Templates[0], res.Templates[1]
	if !sopT.Restricted || sopT.TemplateID != "" || sopT.PageID == "" || charter.Restricted || charter.TemplateID == "" {
		t.Fatalf("results: %+v / %+v", sopT, charter)
	}
	if _, err := oscar.GetPage(ctx, sopT.PageID, confluence.GetPageOptions{}); !rest.IsKind(err, rest.KindNotFound) {
		t.Errorf("oscar reads the restricted copy: %v", err)
	}
	if _, err := lena.GetPage(ctx, sopT.PageID, confluence.GetPageOptions{}); err != nil {
		t.Errorf("lena cannot read the restricted copy: %v", err)
	}
	if p, _ := w.ConfSim.Page(sopT.PageID); p.ParentID == "" {
		t.Errorf("copy at the top of the space")
	} else if parent, _ := w.ConfSim.Page(p.ParentID); parent.Title != "Controlled templates" {
		t.Errorf("restricted copy under %q", parent.Title)
	}

	// The charter becomes restricted: its Confluence template goes.
	if err := w.OTSim.RestrictNode(opentextsim.CharterTemplateID, opentextsim.LegalGroupID); err != nil {
		t.Fatal(err)
	}
	res, err = tpl.PublishTemplates(ctx, activities.PublishTemplatesInput{Docs: describeTemplates(t, src, opentextsim.CharterTemplateID)})
	if err != nil || !res.Templates[0].Restricted || res.Templates[0].TemplateID != "" {
		t.Fatalf("restricted later: %+v %v", res, err)
	}
	if _, err := w.Pages.Confluence.GetTemplate(ctx, charter.TemplateID); !confluence.IsUnknownTemplate(err) {
		t.Errorf("the restricted template is still a Confluence template: %v", err)
	}
	if _, err := oscar.GetPage(ctx, charter.PageID, confluence.GetPageOptions{}); !rest.IsKind(err, rest.KindNotFound) {
		t.Errorf("oscar reads the copy of a template restricted later: %v", err)
	}
}
