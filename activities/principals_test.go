package activities_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// demoWith is the demo mapping.yaml with each old string replaced by new.
func demoWith(t *testing.T, oldNew ...string) *mapping.Rules {
	t.Helper()
	yaml := activitytest.RepoMapping(t)
	for i := 0; i+1 < len(oldNew); i += 2 {
		if !strings.Contains(yaml, oldNew[i]) {
			t.Fatalf("mapping.yaml has no %q", oldNew[i])
		}
		yaml = strings.Replace(yaml, oldNew[i], oldNew[i+1], 1)
	}
	rules, err := mapping.Parse("mapping.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

// The demo mapping names only principals the simulators seed, and checking
// them costs one request per distinct name (counted, as a start-up budget).
func TestDemoMappingPrincipalsExist(t *testing.T) {
	w := activitytest.New(t, activitytest.BaseRules)
	rules := demoWith(t)
	src := activities.PrincipalSource{Confluence: w.Conf, OTCS: w.OTCS}
	conf0, ot0 := w.ConfSim.Requests(), w.OTSim.Requests()
	if err := rules.CheckPrincipals(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	conf, ot := w.ConfSim.Requests()-conf0, w.OTSim.Requests()-ot0
	t.Logf("principal check of mapping.yaml: %d Confluence requests, %d OTCS requests (sign-in included)", conf, ot)
	// Confluence: legal, records-admins, pol-approvers (POL's approvers),
	// the bridge account, confluence-users; OTCS: the sign-in, Legal, RM
	// Administrators.
	if conf != 5 || ot != 3 {
		t.Errorf("%d Confluence and %d OTCS requests, want 5 and 3", conf, ot)
	}
}

// A group or user_table entry naming someone missing on either side fails
// with its line and rule, naming the side.
func TestMissingPrincipalsNameLineAndRule(t *testing.T) {
	w := activitytest.New(t, activitytest.BaseRules)
	src := activities.PrincipalSource{Confluence: w.Conf, OTCS: w.OTCS}
	rules := demoWith(t,
		"legal: Legal", "legal: Legall",
		"records-admins: RM Administrators", "record-admins: RM Administrators",
		`  # user_table:                   # Confluence account id: OTCS login (where Confluence hides the email)
  #   "557058:carol": carol`, `  user_table:
    "557058:lena": lena
    "557058:carol": carol
    "557058:nobody": oscar`,
		"opentext: [RM Administrators]", "opentext: [RM Administrators, Auditors]",
		"editors_group: confluence-users", "editors_group: editors")
	err := rules.CheckPrincipals(context.Background(), src)
	var errs mapping.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{
		`mapping.yaml:13: access.groups.legal: OTCS group "Legall" does not exist`,
		`mapping.yaml:14: access.groups.record-admins: Confluence group "record-admins" does not exist`,
		`mapping.yaml:19: access.user_table.557058:carol: OTCS user "carol" does not exist`,
		`mapping.yaml:20: access.user_table.557058:nobody: Confluence account "557058:nobody" does not exist`,
		`mapping.yaml:23: access.keep.opentext[1]: OTCS group "Auditors" does not exist`,
		`mapping.yaml:127: documents.editors_group: Confluence group "editors" does not exist`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if len(errs) != 6 {
		t.Errorf("%d errors, want 6:\n%v", len(errs), err)
	}
}
