package mapping

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// PrincipalSource looks principals up in the live systems. Each method
// reports found false when the system has no such principal (a deleted
// OTCS user counts as none); err is for a system that cannot answer.
type PrincipalSource interface {
	ConfluenceGroup(ctx context.Context, name string) (found bool, err error)
	ConfluenceUser(ctx context.Context, accountID string) (found bool, err error)
	OpenTextGroup(ctx context.Context, name string) (found bool, err error)
	OpenTextUser(ctx context.Context, login string) (found bool, err error)
}

// A principal's side and kind, as the check looks it up.
const (
	confluenceGroup = "Confluence group"
	confluenceUser  = "Confluence account"
	openTextGroup   = "OTCS group"
	openTextUser    = "OTCS user"
)

// CheckPrincipals checks that every principal the access: section names
// exists on its side: both groups of each groups entry, both ends of each
// user_table entry, the fallback group and the kept groups; and, in
// Confluence, the documents: section's bridge_account and editors_group.
// A name standing in several places is looked up once. The error, if any,
// is Errors naming file, line and rule; a system that cannot answer is a
// plain error.
func (r *Rules) CheckPrincipals(ctx context.Context, src PrincipalSource) error {
	var errs Errors
	var failed error // the first look-up the systems could not answer
	seen := map[string]bool{}
	check := func(kind, name string, line int, rule string) {
		if name == "" || failed != nil {
			return
		}
		key := kind + "\x00" + name
		if kind != confluenceUser {
			key = strings.ToLower(key) // group names and OTCS logins ignore case
		}
		found, ok := seen[key]
		if !ok {
			var err error
			if found, err = lookUp(ctx, src, kind, name); err != nil {
				failed = fmt.Errorf("look up %s %q: %w", kind, name, err)
				return
			}
			seen[key] = found
		}
		if !found {
			errs = append(errs, &Error{File: r.File, Line: line, Rule: rule, Msg: fmt.Sprintf("%s %q does not exist (or the bridge account may not see it)", kind, name)})
		}
	}
	if a := r.Access; a != nil {
		for _, g := range a.Groups {
			check(confluenceGroup, g.Confluence, g.Line, "access.groups."+g.Confluence)
			check(openTextGroup, g.OpenText, g.Line, "access.groups."+g.Confluence)
		}
		for _, u := range a.UserTable {
			check(confluenceUser, u.AccountID, u.Line, "access.user_table."+u.AccountID)
			check(openTextUser, u.Login, u.Line, "access.user_table."+u.AccountID)
		}
		check(confluenceGroup, a.Fallback.Confluence, lineOr(a.Fallback.ConfluenceLine, a.Line), "access.fallback_group.confluence")
		check(openTextGroup, a.Fallback.OpenText, lineOr(a.Fallback.OpenTextLine, a.Line), "access.fallback_group.opentext")
		for i, g := range a.Keep.Confluence {
			check(confluenceGroup, g, lineAt(a.Keep.ConfluenceLines, i, a.Line), fmt.Sprintf("access.keep.confluence[%d]", i))
		}
		for i, g := range a.Keep.OpenText {
			check(openTextGroup, g, lineAt(a.Keep.OpenTextLines, i, a.Line), fmt.Sprintf("access.keep.opentext[%d]", i))
		}
	}
	for _, key := range r.SpaceKeys() {
		sp := r.Spaces[key]
		check(confluenceGroup, sp.Approval.Approvers, sp.Line, "spaces."+key+".approval.approvers")
	}
	if rl := r.RecordLife; rl != nil {
		// Without the section the default is access.keep's first group,
		// checked above.
		check(confluenceGroup, rl.RecordsGroup, lineOr(rl.RecordsGroupLine, rl.Line), "record_life.records_group")
	}
	if d := r.Documents; d != nil {
		check(confluenceUser, d.BridgeAccount, lineOr(d.BridgeAccountLine, d.Line), "documents.bridge_account")
		check(confluenceGroup, d.EditorsGroup, lineOr(d.EditorsGroupLine, d.Line), "documents.editors_group")
	}
	if failed != nil {
		return failed
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return errs
	}
	return nil
}

// lookUp asks src about one principal of kind.
func lookUp(ctx context.Context, src PrincipalSource, kind, name string) (bool, error) {
	switch kind {
	case confluenceGroup:
		return src.ConfluenceGroup(ctx, name)
	case confluenceUser:
		return src.ConfluenceUser(ctx, name)
	case openTextGroup:
		return src.OpenTextGroup(ctx, name)
	default:
		return src.OpenTextUser(ctx, name)
	}
}

// lineOr is line, or fallback for a rule built outside a file.
func lineOr(line, fallback int) int {
	if line == 0 {
		return fallback
	}
	return line
}

// lineAt is lines[i], or fallback when the lines are not known.
func lineAt(lines []int, i, fallback int) int {
	if i < len(lines) {
		return lineOr(lines[i], fallback)
	}
	return fallback
}
