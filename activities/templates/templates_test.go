package templates

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/activities/activitytest"
	"github.com/xecm-bridge/xecm-bridge/activities/documentpages"
	"github.com/xecm-bridge/xecm-bridge/activities/documentsources"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	opentextsim "github.com/xecm-bridge/xecm-bridge/simulators/opentext"
)

func templateWorld(t *testing.T) (*world, *documentsources.DocumentSourceActivities, *TemplateActivities) {
	t.Helper()
	if _, err := exec.LookPath("pandoc"); err != nil && os.Getenv("XECM_REQUIRE_PANDOC") != "1" {
		t.Skip("pandoc is not installed; `make test` installs it")
	}
	w, src, _ := docWorld(t)
	return w, src, &TemplateActivities{OTCS: w.Records.OTCS, Confluence: w.Pages.Confluence, Rules: w.Records.Rules}
}

func describeTemplates(t *testing.T, src *documentsources.DocumentSourceActivities, ids ...int64) []activities.DocumentState {
	t.Helper()
	states, err := src.DescribeDocuments(context.Background(), activities.DescribeInput{Feed: activities.FeedTemplates, NodeIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	return states
}

// A worker dying after the copy is created (before labels and record), and
// one dying after the Confluence template is created (before its id is
// recorded): each retry finishes the job with one copy and one template.
func TestTemplateRetryAfterCrashKeepsOneCopyAndOneTemplate(t *testing.T) {
	w, src, tpl := templateWorld(t)
	ctx := context.Background()
	states := describeTemplates(t, src, opentextsim.PolicyTemplateID)
	for _, kill := range []func(*http.Request) bool{
		func(r *http.Request) bool {
			return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/label")
		},
		func(r *http.Request) bool { // the record write, after the Confluence template was made
			return r.Method != http.MethodGet && (strings.Contains(r.URL.Path, "/property") || strings.Contains(r.URL.Path, "/properties"))
		},
	} {
		crashed := &TemplateActivities{OTCS: tpl.OTCS, Confluence: w.crashingPages(t, &documentpages.DocumentPageActivities{Rules: tpl.Rules}, kill).Confluence, Rules: tpl.Rules}
		if _, err := crashed.PublishTemplates(ctx, activities.PublishTemplatesInput{Docs: states}); err == nil {
			t.Fatal("the crashed attempt must fail")
		}
	}
	if len(w.ConfSim.Templates()) != 1 {
		t.Fatalf("precondition: the second crash comes after the Confluence template was made: %d templates", len(w.ConfSim.Templates()))
	}
	res, err := tpl.PublishTemplates(ctx, activities.PublishTemplatesInput{Docs: states})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Templates[0]
	if r.ErrorType != "" || r.PageID == "" || r.TemplateID == "" {
		t.Fatalf("after the retry: %+v", r)
	}
	if n := w.PagesTitled("Policy Template"); n != 1 {
		t.Errorf("%d copies titled Policy Template, want 1", n)
	}
	n := 0
	for _, x := range w.ConfSim.Templates() {
		if x.Name == "Policy Template" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d Confluence templates named Policy Template, want 1", n)
	}
	raw, _, ok := w.ConfSim.Property(r.PageID, activities.TemplatePropertyKey)
	var rec activities.TemplateRecord
	if !ok || json.Unmarshal(raw, &rec) != nil || rec.TemplateID != r.TemplateID || rec.VersionLabel != "1.0" {
		t.Errorf("record: %s", raw)
	}
	if !strings.Contains(strings.Join(w.ConfSim.Labels(r.PageID), ","), "otcs-template") {
		t.Errorf("labels: %v", w.ConfSim.Labels(r.PageID))
	}
}

// A template folder that does not exist stops the worker at start-up,
// naming the rule.
func TestMissingTemplateFolderIsAStartupError(t *testing.T) {
	w, _, _ := docWorld(t)
	rules, err := mapping.Parse("mapping.yaml", []byte(strings.Replace(activitytest.RepoMapping(t), "folder: 2201", "folder: 2999", 1)))
	if err != nil {
		t.Fatal(err)
	}
	err = rules.CheckDocuments(context.Background(), activities.WatchSource{OTCS: w.Records.OTCS}, activities.CategorySource{OTCS: w.Records.OTCS, NodeID: rules.Root})
	var errs mapping.Errors
	if !errors.As(err, &errs) || !strings.Contains(err.Error(), `templates.watch[0].folder: template folder "Approved templates": node 2999 does not exist`) {
		t.Fatalf("err = %v", err)
	}
}

// A template over the size limit is reported with its type; nothing of it
// is written, and the next template still syncs.
func TestOversizedTemplateIsReportedAndOthersSync(t *testing.T) {
	w, src, tpl := templateWorld(t)
	tpl.Limits.MaxInput = 1000 // bytes: the DOCX is larger, the Markdown SOP is not
	states := describeTemplates(t, src, opentextsim.PolicyTemplateID, opentextsim.SOPTemplateID)
	res, err := tpl.PublishTemplates(context.Background(), activities.PublishTemplatesInput{Docs: states})
	if err != nil {
		t.Fatal(err)
	}
	big, small := res.Templates[0], res.Templates[1]
	if big.ErrorType != activities.TypeTemplateTooLarge || big.PageID != "" || small.ErrorType != "" || small.PageID == "" {
		t.Fatalf("results: %+v", res.Templates)
	}
	if n := w.PagesTitled("Policy Template"); n != 0 {
		t.Errorf("a refused template got a page")
	}
}
