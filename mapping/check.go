package mapping

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// CategoryInfo is a category definition as OTCS reports it.
type CategoryInfo struct {
	ID         int64
	Name       string
	Attributes []AttributeInfo
}

// AttributeInfo is one attribute of a category definition.
type AttributeInfo struct {
	Name     string
	Type     string // String, Integer, Date, Boolean, User
	Required bool
}

// CategorySource reads category definitions (from a live OTCS).
type CategorySource interface {
	CategoryDefinition(ctx context.Context, categoryID int64) (*CategoryInfo, error)
}

// fits says which OTCS attribute types a source's values can go into.
var fits = map[SourceKind][]string{
	FromPageVersion: {"integer", "string"},
	FromApprovedAt:  {"date", "string"},
	FromSpace:       {"string"}, FromSpaceName: {"string"}, FromTitle: {"string"},
	FromOwner: {"string", "user"}, FromAuthor: {"string", "user"}, FromApprovedBy: {"string", "user"},
	FromPageID: {"string", "integer"}, FromPageURL: {"string"}, FromApproval: {"string"}, FromChecksum: {"string"},
}

// CheckCategories checks every rule's category attributes against the
// definitions in OTCS: each mapped attribute exists, its values fit the
// attribute's type, and every required attribute has a rule. The error, if
// any, is Errors naming file, line, rule and attribute.
func (r *Rules) CheckCategories(ctx context.Context, src CategorySource) error {
	var errs Errors
	defs := map[int64]*CategoryInfo{}
	for _, key := range r.SpaceKeys() {
		space := r.Spaces[key]
		targets := []*Target{&space.Target}
		lines := []int{space.Line}
		for i := range space.Records {
			targets = append(targets, &space.Records[i].Target)
			lines = append(lines, space.Records[i].Line)
		}
		for i, t := range targets {
			rule := fmt.Sprintf("spaces.%s.%s.category", key, t.Rule)
			def, ok := defs[t.Category.ID]
			if !ok {
				var err error
				def, err = src.CategoryDefinition(ctx, t.Category.ID)
				if err != nil {
					return fmt.Errorf("read category %d from OTCS: %w", t.Category.ID, err)
				}
				defs[t.Category.ID] = def
			}
			byName := map[string]AttributeInfo{}
			var names []string
			for _, a := range def.Attributes {
				byName[strings.ToLower(a.Name)] = a
				names = append(names, a.Name)
			}
			covered := map[string]bool{}
			for _, a := range t.Category.Attributes {
				info, ok := byName[strings.ToLower(a.Name)]
				at := fmt.Sprintf("%s.attributes.%s", rule, a.Name)
				if !ok {
					errs = append(errs, &Error{File: r.File, Line: a.Line, Rule: at, Msg: fmt.Sprintf("category %d %q has no attribute %q (it has: %s)", def.ID, def.Name, a.Name, strings.Join(names, ", "))})
					continue
				}
				covered[strings.ToLower(a.Name)] = true
				if msg := typeProblem(a, info); msg != "" {
					errs = append(errs, &Error{File: r.File, Line: a.Line, Rule: at, Msg: msg})
				}
			}
			var missing []string
			for _, a := range def.Attributes {
				if a.Required && !covered[strings.ToLower(a.Name)] {
					missing = append(missing, a.Name)
				}
			}
			sort.Strings(missing)
			for _, m := range missing {
				errs = append(errs, &Error{File: r.File, Line: lines[i], Rule: rule + ".attributes", Msg: fmt.Sprintf("required attribute %q of category %d %q has no rule", m, def.ID, def.Name)})
			}
		}
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return errs
	}
	return nil
}

func typeProblem(a Attribute, info AttributeInfo) string {
	typ := strings.ToLower(info.Type)
	switch a.Source.Kind {
	case FromValue:
		if _, err := Typed(info.Name, info.Type, a.Source.Value); err != nil {
			return err.Error()
		}
	case FromLabel, FromProperty:
		if a.Default != "" {
			if _, err := Typed(info.Name, info.Type, a.Default); err != nil {
				return "default: " + err.Error()
			}
		}
	default:
		for _, ok := range fits[a.Source.Kind] {
			if ok == typ {
				return ""
			}
		}
		return fmt.Sprintf("attribute %q has type %s, which values from %s do not fit (they fit: %s)", info.Name, info.Type, a.Source.Kind, strings.Join(fits[a.Source.Kind], ", "))
	}
	return ""
}
