package mapping

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const valid = `otcs:
  root: 2000
spaces:
  POL:
    approval:
      label: approved
    folder: Controlled Documents/{year}/Policies
    category:
      id: 9001
      attributes:
        Source Page ID: {from: page.id}
        Department: {label: "dept-", required: true}
        Document Type: {label: "doctype-", default: Policy}
        Project: {property: project, field: name}
        Retention Category: Policies - 7 years
    rm:
      classification: 7001
      official: true
`

func TestParseValidFile(t *testing.T) {
	r, err := Parse("m.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.ForSpace("POL")
	if err != nil {
		t.Fatal(err)
	}
	if r.Root != 2000 || s.Category.ID != 9001 || s.RM.ClassID != 7001 || !s.RM.Official || s.PublishedLabel != "otcs-published" {
		t.Fatalf("unexpected rules: %+v %+v", r, s)
	}
	if got := s.IdentityAttribute(); got != "Source Page ID" {
		t.Fatalf("identity = %q", got)
	}
	if got := s.PropertyKeys(); len(got) != 1 || got[0] != "project" {
		t.Fatalf("property keys = %v", got)
	}
	facts := PageFacts{PageID: "42", Title: "T", Labels: []string{"dept-legal", "approved"},
		Properties: map[string]json.RawMessage{"project": json.RawMessage(`{"name":"Records"}`)},
		VersionAt:  time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	vals, err := s.Values(facts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Source Page ID": "42", "Department": "legal", "Document Type": "Policy", "Project": "Records", "Retention Category": "Policies - 7 years"}
	for k, v := range want {
		if vals[k] != v {
			t.Errorf("%s = %q, want %q", k, vals[k], v)
		}
	}
	if got := strings.Join(s.FolderPath(facts), "/"); got != "Controlled Documents/2026/Policies" {
		t.Errorf("folder = %q", got)
	}
	if _, err := r.ForSpace("ENG"); err == nil {
		t.Fatal("ENG should have no mapping")
	} else {
		var nm *NoMappingError
		if !errors.As(err, &nm) || nm.Space != "ENG" || !strings.Contains(err.Error(), "POL") {
			t.Fatalf("got %v", err)
		}
	}
}

// rendition defaults to mhtml; pdf is listed by NeedsPDF (the worker
// checks its tools for these rules).
func TestRendition(t *testing.T) {
	r, err := Parse("m.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if r.Spaces["POL"].Rendition != RenditionMHTML || len(r.NeedsPDF()) != 0 {
		t.Fatalf("default rendition %q, needs PDF %v", r.Spaces["POL"].Rendition, r.NeedsPDF())
	}
	r, err = Parse("m.yaml", []byte(strings.Replace(valid, "    folder: Controlled", "    rendition: pdf\n    folder: Controlled", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if r.Spaces["POL"].Rendition != RenditionPDF || strings.Join(r.NeedsPDF(), ",") != "spaces.POL" {
		t.Fatalf("rendition %q, needs PDF %v", r.Spaces["POL"].Rendition, r.NeedsPDF())
	}
}

func TestRequiredAttributeWithoutValue(t *testing.T) {
	r, err := Parse("m.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := r.ForSpace("POL")
	_, err = s.Values(PageFacts{PageID: "1"})
	var mm *MissingMetadataError
	if !errors.As(err, &mm) || mm.Attribute != "Department" || mm.Line != 12 {
		t.Fatalf("got %v", err)
	}
}

func TestParseErrorsNameLineAndRule(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", strings.Replace(valid, "    folder:", "    foldr: x\n    folder:", 1), []string{"m.yaml:7: spaces.POL: unknown key \"foldr\""}},
		{"wrong type", strings.Replace(valid, "root: 2000", "root: abc", 1), []string{"m.yaml:2: otcs.root: must be a positive OTCS node id"}},
		{"unknown source", strings.Replace(valid, "{from: page.id}", "{from: page.idd}", 1), []string{"m.yaml:11: spaces.POL.category.attributes.Source Page ID.from: unknown source \"page.idd\""}},
		{"no identity", strings.Replace(valid, "        Source Page ID: {from: page.id}\n", "", 1), []string{"spaces.POL.category.attributes: exactly one attribute must be {from: page.id}"}},
		{"missing approval", strings.Replace(valid, "    approval:\n      label: approved\n", "", 1), []string{"m.yaml:4: spaces.POL.approval: needs a label (approval.label) or a content state (approval.state)"}},
		{"bad rendition", strings.Replace(valid, "    folder: Controlled", "    rendition: docx\n    folder: Controlled", 1), []string{"m.yaml:7: spaces.POL.rendition: must be \"mhtml\" or \"pdf\", not \"docx\""}},
		{"bad on_edit", strings.Replace(valid, "      label: approved\n", "      label: approved\n      on_edit: ignore\n", 1), []string{"m.yaml:7: spaces.POL.approval.on_edit: must be \"reset\" or \"keep\", not \"ignore\""}},
		{"long state", strings.Replace(valid, "      label: approved\n", "      state: Approved by the quality board\n", 1), []string{"m.yaml:6: spaces.POL.approval.state: must be a content state name of 1 to 20 characters"}},
		{"bad known approver", strings.Replace(valid, "      label: approved\n", "      label: approved\n      require_known_approver: maybe\n", 1), []string{"m.yaml:7: spaces.POL.approval.require_known_approver: must be true or false"}},
		{"yaml syntax", valid + "  bad: [\n", []string{"m.yaml:", "yaml"}},
		{"two sources", strings.Replace(valid, "{label: \"dept-\", required: true}", "{label: \"dept-\", value: x}", 1), []string{"m.yaml:12: spaces.POL.category.attributes.Department: needs exactly one source"}},
		{"illegal folder", strings.Replace(valid, "folder: Controlled Documents/{year}/Policies", "folder: \"Controlled: Documents\"", 1), []string{"m.yaml:7: spaces.POL.folder: segment \"Controlled: Documents\" is not a legal OTCS name"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("m.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("want an error")
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error is %T, want Errors", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLegalName(t *testing.T) {
	if got := LegalName("Q3: Budget / Plan\t"); got != "Q3- Budget / Plan" {
		t.Errorf("got %q", got)
	}
	long := strings.Repeat("x", 300)
	got := LegalName(long)
	if utf8.RuneCountInString(got) != MaxNameLength {
		t.Errorf("length %d", utf8.RuneCountInString(got))
	}
	if got != LegalName(long) {
		t.Error("not deterministic")
	}
	if LegalName(long+"a") == got {
		t.Error("different long names collide")
	}
	if LegalName("  ") != "Untitled" {
		t.Error("empty name")
	}
}

func TestTyped(t *testing.T) {
	if v, err := Typed("Source Version", "Integer", "7"); err != nil || v != int64(7) {
		t.Errorf("integer: %v %v", v, err)
	}
	if v, err := Typed("Approval Date", "Date", "2026-11-01"); err != nil || v != "2026-11-01T00:00:00" {
		t.Errorf("date: %v %v", v, err)
	}
	_, err := Typed("Source Version", "Integer", "seven")
	var ate *AttributeTypeError
	if !errors.As(err, &ate) || ate.Attribute != "Source Version" {
		t.Errorf("got %v", err)
	}
	if _, err := Typed("Approval Date", "Date", "yesterday"); err == nil {
		t.Error("bad date accepted")
	}
}

func TestReviewSection(t *testing.T) {
	src := strings.Replace(valid, "    rm:\n", `    review:
      mode: otcs
      folder: Review/Policies
      workflow_map: 5001
      deputies: [deputy1]
      deadline: 3d
      reminder: 12h
      poll_interval: 5s
      read_only: true
      owners_group: records-admins
      bridge_account: "557058:bridge"
    rm:
`, 1)
	r, err := Parse("m.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := r.ForSpace("POL")
	rv := s.Review
	if rv == nil || rv.Mode != ReviewOTCS || rv.WorkflowMap != 5001 || rv.Deadline != 72*time.Hour || rv.Reminder != 12*time.Hour ||
		rv.PollInterval != 5*time.Second || !rv.ReadOnly || rv.SubmitLabel != "in-review" || rv.ApprovedLabel != "otcs-approved" {
		t.Fatalf("review = %+v", rv)
	}
	tg, err := s.TargetFor(RuleReview)
	if err != nil || strings.Join(tg.Folder, "/") != "Review/Policies" || tg.RM != nil || tg.Category.ID != 9001 || tg.Rule != RuleReview {
		t.Fatalf("review target = %+v, %v", tg, err)
	}
	if pub, _ := s.TargetFor(RulePublish); strings.Join(pub.Folder, "/") != "Controlled Documents/{year}/Policies" || pub.RM == nil {
		t.Fatalf("publish target changed: %+v", pub)
	}
	if rv.Allowed("deputy1", false) || !rv.Allowed("deputy1", true) {
		t.Fatal("deputies decide only after escalation")
	}
	facts := PageFacts{PageID: "1", Labels: []string{"dept-x"}, ApprovalStatus: "In Review"}
	if got, _ := (&Target{Category: Category{Attributes: []Attribute{{Name: "S", Source: Source{Kind: FromApproval}}}}}).Values(facts); got["S"] != "In Review" {
		t.Fatalf("approval.status = %q", got["S"])
	}

	bad := strings.Replace(valid, "    rm:\n", `    review:
      mode: paper
      reminder: 10d
      read_only: true
    rm:
`, 1)
	_, err = Parse("m.yaml", []byte(bad))
	if err == nil {
		t.Fatal("bad review section accepted")
	}
	for _, want := range []string{"spaces.POL.review.mode", "spaces.POL.review.folder", "spaces.POL.review.reminder", "spaces.POL.review.bridge_account"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
}
