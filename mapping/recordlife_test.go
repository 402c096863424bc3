package mapping

import (
	"context"
	"strings"
	"testing"
)

func TestRecordLifeDefaultsToFlagAndTheKeptGroup(t *testing.T) {
	r, err := Parse("m.yaml", []byte(valid+accessSection))
	if err != nil {
		t.Fatal(err)
	}
	if rl := r.RecordLifeOf(); rl.OnDisposal != DisposalFlag || rl.RecordsGroup != "records-admins" {
		t.Fatalf("defaults: %+v", rl)
	}
	r, err = Parse("m.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if rl := r.RecordLifeOf(); rl.OnDisposal != DisposalFlag || rl.RecordsGroup != DefaultRecordsGroup {
		t.Fatalf("defaults without access: %+v", rl)
	}
	r, err = Parse("m.yaml", []byte(valid+"record_life:\n  on_disposal: archive\n  archive_page: \"9001\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if rl := r.RecordLifeOf(); rl.OnDisposal != DisposalArchive || rl.ArchivePage != "9001" || rl.RecordsGroup != DefaultRecordsGroup {
		t.Fatalf("archive: %+v", rl)
	}
}

func TestRecordLifeRefusesUnsafeOrIncompleteSettings(t *testing.T) {
	for section, want := range map[string]string{
		"record_life:\n  on_disposal: delete\n":                      `record_life.on_disposal: must be flag, archive or trash, got "delete"`,
		"record_life:\n  on_disposal: archive\n":                     "record_life.archive_page: is required with on_disposal: archive",
		"record_life:\n  on_disposal: trash\n":                       "record_life.allow_trash: must be true with on_disposal: trash",
		"record_life:\n  on_disposal: trash\n  allow_trash: false\n": "record_life.allow_trash: must be true",
		"record_life:\n  archive_page: \"1\"\n":                      "record_life.archive_page: is only used with on_disposal: archive",
		"record_life:\n  records_group: \"\"\n":                      "record_life.records_group: must name a Confluence group",
		"record_life:\n  recordsgroup: x\n":                          "recordsgroup",
	} {
		_, err := Parse("m.yaml", []byte(valid+section))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", section, err, want)
		}
	}
	if _, err := Parse("m.yaml", []byte(valid+"record_life:\n  on_disposal: trash\n  allow_trash: true\n")); err != nil {
		t.Errorf("trash with allow_trash: %v", err)
	}
}

func TestCheckPrincipalsLooksUpTheRecordsGroup(t *testing.T) {
	r, err := Parse("m.yaml", []byte(valid+"record_life:\n  records_group: rm-team\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = r.CheckPrincipals(context.Background(), &fakePrincipals{known: map[string]bool{}})
	if err == nil || !strings.Contains(err.Error(), `record_life.records_group: Confluence group "rm-team" does not exist`) {
		t.Fatalf("got %v", err)
	}
	if err := r.CheckPrincipals(context.Background(), &fakePrincipals{known: map[string]bool{"cg:rm-team": true}}); err != nil {
		t.Fatal(err)
	}
}
