package mapping

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// WatchSource looks watched containers up in a live OTCS.
type WatchSource interface {
	// Subtype reports a node's subtype; found is false when it does not
	// exist or the bridge may not see it.
	Subtype(ctx context.Context, id int64) (subtype int, found bool, err error)
	// WorkspaceID resolves a business object to its workspace; 0 when none.
	WorkspaceID(ctx context.Context, ref WorkspaceRef) (int64, error)
}

// Subtypes a watch may name.
const (
	subtypeFolder    = 0
	subtypeWorkspace = 848
)

// CheckDocuments checks the documents: and templates: sections against OTCS: every watched
// folder exists and is a folder, every workspace resolves, and every
// attribute named (shown, approval rule, back link) exists in its category.
// Workspaces named by business object get their node id filled in. The
// error, if any, is Errors naming file, line and rule.
func (r *Rules) CheckDocuments(ctx context.Context, ws WatchSource, cs CategorySource) error {
	d := r.Documents
	if d == nil {
		d = &Documents{}
	}
	var errs Errors
	fail := func(line int, rule, format string, args ...any) {
		errs = append(errs, &Error{File: r.File, Line: line, Rule: rule, Msg: fmt.Sprintf(format, args...)})
	}
	defs := map[int64]*CategoryInfo{}
	attribute := func(line int, rule string, cat int64, name string) error {
		def, ok := defs[cat]
		if !ok {
			var err error
			if def, err = cs.CategoryDefinition(ctx, cat); err != nil {
				return fmt.Errorf("read category %d from OTCS: %w", cat, err)
			}
			defs[cat] = def
		}
		var names []string
		for _, a := range def.Attributes {
			if strings.EqualFold(a.Name, name) {
				return nil
			}
			names = append(names, a.Name)
		}
		fail(line, rule, "category %d %q has no attribute %q (it has: %s)", cat, def.Name, name, strings.Join(names, ", "))
		return nil
	}
	for i := range d.Watches {
		w := &d.Watches[i]
		rule := fmt.Sprintf("documents.watch[%d]", i)
		switch {
		case w.Workspace != nil && w.Workspace.ID == 0:
			id, err := ws.WorkspaceID(ctx, *w.Workspace)
			if err != nil {
				return fmt.Errorf("look up %s in OTCS: %w", w.Workspace, err)
			}
			if id == 0 {
				fail(w.Line, rule+".workspace", "no business workspace in OTCS for %s (watch %q)", w.Workspace, w.Name)
			}
			w.Workspace.ID = id
		case w.Workspace != nil:
			if err := checkSubtype(ctx, ws, w.Workspace.ID, subtypeWorkspace, func(format string, args ...any) {
				fail(w.Line, rule+".workspace", "watch %q: "+format, append([]any{w.Name}, args...)...)
			}); err != nil {
				return err
			}
		default:
			if err := checkSubtype(ctx, ws, w.Folder, subtypeFolder, func(format string, args ...any) {
				fail(w.Line, rule+".folder", "watch %q: "+format, append([]any{w.Name}, args...)...)
			}); err != nil {
				return err
			}
		}
		for _, a := range w.Show.Attributes {
			if err := attribute(w.Line, rule+".show.attributes", w.Show.Category, a); err != nil {
				return err
			}
		}
		if w.Approved.Kind == ApprovedAttribute {
			if err := attribute(w.Line, rule+".approved", w.Approved.Category, w.Approved.Attribute); err != nil {
				return err
			}
		}
		if w.GroupBy != "" {
			if err := attribute(w.Line, rule+".group_by", w.Show.Category, w.GroupBy); err != nil {
				return err
			}
		}
	}
	if t := r.Templates; t != nil {
		for i := range t.Watches {
			w := &t.Watches[i]
			rule := fmt.Sprintf("templates.watch[%d]", i)
			if err := checkSubtype(ctx, ws, w.Folder, subtypeFolder, func(format string, args ...any) {
				fail(w.Line, rule+".folder", "template folder %q: "+format, append([]any{w.Name}, args...)...)
			}); err != nil {
				return err
			}
			if w.Approved.Kind == ApprovedAttribute {
				if err := attribute(w.Line, rule+".approved", w.Approved.Category, w.Approved.Attribute); err != nil {
					return err
				}
			}
		}
	}
	if d.BackLink != nil {
		if err := attribute(d.Line, "documents.back_link", d.BackLink.Category, d.BackLink.Attribute); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return errs
	}
	return nil
}

// checkSubtype reports through fail when node id is missing or not of the
// wanted subtype.
func checkSubtype(ctx context.Context, ws WatchSource, id int64, want int, fail func(format string, args ...any)) error {
	typ, found, err := ws.Subtype(ctx, id)
	if err != nil {
		return fmt.Errorf("look up node %d in OTCS: %w", id, err)
	}
	switch {
	case !found:
		fail("node %d does not exist in OTCS (or the bridge account may not see it)", id)
	case typ != want:
		fail("node %d is of subtype %d, not %d", id, typ, want)
	}
	return nil
}
