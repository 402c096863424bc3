package activities

import (
	"context"

	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
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
