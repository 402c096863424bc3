package mapping

import (
	"errors"
	"strings"
	"testing"
)

func TestAccessSection(t *testing.T) {
	r, err := Parse("m.yaml", []byte(valid+`access:
  groups:
    legal: Legal
  user_table:
    "557058:carol": carol
  keep: {opentext: [RM Administrators]}
`))
	if err != nil {
		t.Fatal(err)
	}
	a := r.Access
	if g, ok := a.OpenTextGroup("LEGAL"); !ok || g != "Legal" {
		t.Errorf("legal maps to %q %t", g, ok)
	}
	if g, ok := a.ConfluenceGroup("legal"); !ok || g != "legal" {
		t.Errorf("Legal maps back to %q %t", g, ok)
	}
	if l, ok := a.LoginFor("557058:carol"); !ok || l != "carol" {
		t.Errorf("carol: %q %t", l, ok)
	}
	if !a.ByEmail() || a.Unmapped != UnmappedRefuse || strings.Join(a.StagingPath(), "/") != "xecm-bridge staging" {
		t.Errorf("defaults: %+v", a)
	}
	if r.Spaces["POL"].Target.Restricted != RestrictedMirror {
		t.Errorf("restricted default: %q", r.Spaces["POL"].Target.Restricted)
	}
	var none *Access
	if _, ok := none.OpenTextGroup("legal"); ok || none.ByEmail() {
		t.Error("no access: section maps nobody")
	}
}

func TestAccessErrorsNameLineAndRule(t *testing.T) {
	_, err := Parse("m.yaml", []byte(strings.Replace(valid, "    rm:", "    restricted: open\n    rm:", 1)+`access:
  users: login
  groups:
    legal: Legal
    Legal: Other
  unmapped: fallback
`))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got %v", err)
	}
	got := err.Error()
	for _, want := range []string{
		`m.yaml:16: spaces.POL.restricted: must be "mirror"`,
		`m.yaml:21: access.users: must be "email"`,
		`m.yaml:24: access.groups.Legal: is mapped twice`,
		`m.yaml:21: access.fallback_group: is required on both sides`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}
