package mapping

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// fakePrincipals knows the principals it lists and counts the questions.
type fakePrincipals struct {
	known map[string]bool // kind + ":" + name
	asked int
}

func (f *fakePrincipals) has(kind, name string) (bool, error) {
	f.asked++
	return f.known[kind+":"+name], nil
}

func (f *fakePrincipals) ConfluenceGroup(_ context.Context, n string) (bool, error) {
	return f.has("cg", n)
}
func (f *fakePrincipals) ConfluenceUser(_ context.Context, n string) (bool, error) {
	return f.has("cu", n)
}
func (f *fakePrincipals) OpenTextGroup(_ context.Context, n string) (bool, error) {
	return f.has("og", n)
}
func (f *fakePrincipals) OpenTextUser(_ context.Context, n string) (bool, error) {
	return f.has("ou", n)
}

const accessSection = `access:
  groups:
    legal: Legal
    records-admins: RM Administrators
  user_table:
    "557058:carol": carol
  keep:
    confluence:
      - records-admins
    opentext: [RM Administrators, Auditors]
  fallback_group:
    confluence: legall
    opentext: Legal
`

func TestCheckPrincipalsNamesLineAndRuleOfEveryMissingOne(t *testing.T) {
	r, err := Parse("m.yaml", []byte(valid+accessSection))
	if err != nil {
		t.Fatal(err)
	}
	src := &fakePrincipals{known: map[string]bool{
		"cg:legal": true, "cg:records-admins": true, "og:Legal": true, "og:RM Administrators": true, "ou:carol": true,
	}}
	err = r.CheckPrincipals(context.Background(), src)
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 3 {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{
		`m.yaml:24: access.user_table.557058:carol: Confluence account "557058:carol" does not exist`,
		`m.yaml:28: access.keep.opentext[1]: OTCS group "Auditors" does not exist`,
		`m.yaml:30: access.fallback_group.confluence: Confluence group "legall" does not exist`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	// legal, records-admins, Legal, RM Administrators, carol twice, Auditors, legall.
	if src.asked != 8 {
		t.Errorf("%d look-ups, want 8 (each name once)", src.asked)
	}
}

func TestCheckPrincipalsWithoutAccessSectionAsksNothing(t *testing.T) {
	r, err := Parse("m.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	src := &fakePrincipals{}
	if err := r.CheckPrincipals(context.Background(), src); err != nil || src.asked != 0 {
		t.Fatalf("err %v, %d look-ups", err, src.asked)
	}
}
