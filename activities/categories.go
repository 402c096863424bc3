package activities

import (
	"context"

	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// CategorySource reads category definitions from OTCS for
// mapping.Rules.CheckCategories.
type CategorySource struct {
	OTCS   *opentext.Client
	NodeID int64 // any node the category can be applied to (the mapping's root)
}

// CategoryDefinition implements mapping.CategorySource.
func (s CategorySource) CategoryDefinition(ctx context.Context, categoryID int64) (*mapping.CategoryInfo, error) {
	def, err := s.OTCS.CategoryDefinition(ctx, s.NodeID, categoryID)
	if err != nil {
		return nil, err
	}
	info := &mapping.CategoryInfo{ID: def.ID, Name: def.Name}
	for _, a := range def.Attributes {
		info.Attributes = append(info.Attributes, mapping.AttributeInfo{Name: a.Name, Type: a.Type, Required: a.Required})
	}
	return info, nil
}

// WatchSource looks watched containers up in OTCS for
// mapping.Rules.CheckDocuments.
type WatchSource struct {
	OTCS *opentext.Client
}

// Subtype implements mapping.WatchSource.
func (s WatchSource) Subtype(ctx context.Context, id int64) (int, bool, error) {
	n, err := s.OTCS.GetNode(ctx, id)
	if rest.IsKind(err, rest.KindNotFound) || rest.IsKind(err, rest.KindForbidden) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return n.Type, true, nil
}

// WorkspaceID implements mapping.WatchSource.
func (s WatchSource) WorkspaceID(ctx context.Context, ref mapping.WorkspaceRef) (int64, error) {
	ws, err := s.OTCS.FindBusinessWorkspace(ctx, opentext.BusinessObjectRef{System: ref.System, Type: ref.Type, ID: ref.ObjectID})
	if err != nil || ws == nil {
		return 0, err
	}
	return ws.ID, nil
}
