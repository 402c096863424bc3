package templates

import (
	"context"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
)

// resolver is the principal look-up of the template activities.
func (a *TemplateActivities) resolver() *access.Resolver {
	return a.resolverOnce.Get(&a.Access, a.Rules, a.Confluence, a.OTCS)
}

// narrowCopy applies a restricted template's access to its existing copy
// before anything else: its Confluence template is removed (a space
// template cannot be restricted, so it would show the content to the
// whole space), then the copy's read restriction is set.
func (a *TemplateActivities) narrowCopy(ctx context.Context, cur *copyState, plan activities.ReadPlan) error {
	if !plan.Open && cur.rec != nil && cur.rec.TemplateID != "" {
		err := a.Confluence.DeleteTemplate(ctx, cur.rec.TemplateID)
		if err != nil && !confluence.IsUnknownTemplate(err) {
			return activities.BackendError("remove Confluence template "+cur.rec.TemplateID+" of a restricted source", err)
		}
		cur.rec.TemplateID = ""
	}
	return a.placeCopy(ctx, cur, plan)
}

// placeCopy sets a copy's read restriction, then moves a copy still
// under the staging page to the copies' parent page (with no
// templates.parent it stays there: the top of a space is no move target).
func (a *TemplateActivities) placeCopy(ctx context.Context, cur *copyState, plan activities.ReadPlan) error {
	t := a.Rules.Templates
	if _, err := activities.SetReaders(ctx, a.Confluence, cur.page.ID, plan); err != nil {
		return err
	}
	if t.Parent == "" {
		return nil
	}
	sp, parent, err := a.copiesPage(ctx, t.Parent, "")
	if err != nil {
		return err
	}
	return activities.LeaveStaging(ctx, a.Confluence, &a.pages, sp, t.BridgeAccount, cur.page, parent)
}
