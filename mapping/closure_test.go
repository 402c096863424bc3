package mapping

import (
	"strings"
	"testing"
)

// withClosure inserts a closure section (indented 6 spaces) before rm: of
// the valid file; its "closure:" key is on line 16.
func withClosure(body string) string {
	return strings.Replace(valid, "    rm:\n", "    closure:\n"+body+"    rm:\n", 1)
}

func TestClosureDefaultsAndSettings(t *testing.T) {
	r, err := Parse("m.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := r.ForSpace("POL")
	if s.Closure.ReadOnly {
		t.Fatal("read_only is on without a closure section")
	}
	if got := strings.Join(s.Closure.FolderPath("POL"), "/"); got != "Record Sets/POL" {
		t.Fatalf("default folder = %q", got)
	}
	r, err = Parse("m.yaml", []byte(withClosure("      folder: Archive/{space}/Sets\n      read_only: true\n      bridge_account: \"557058:bridge\"\n      owners_group: records-admins\n")))
	if err != nil {
		t.Fatal(err)
	}
	s, _ = r.ForSpace("POL")
	c := s.Closure
	if !c.ReadOnly || c.BridgeAccount != "557058:bridge" || c.OwnersGroup != "records-admins" {
		t.Fatalf("closure = %+v", c)
	}
	if got := strings.Join(c.FolderPath("POL"), "/"); got != "Archive/POL/Sets" {
		t.Fatalf("folder = %q", got)
	}
	if RecordSetName("POL") != "Record set POL" {
		t.Fatalf("set name = %q", RecordSetName("POL"))
	}
}

func TestClosureErrors(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"read only without the bridge", "      read_only: true\n", "m.yaml:17: spaces.POL.closure.bridge_account: is required with read_only: true"},
		{"not a bool", "      read_only: sometimes\n", `m.yaml:17: spaces.POL.closure.read_only: must be true or false, got "sometimes"`},
		{"unknown key", "      readonly: true\n", `m.yaml:17: spaces.POL.closure: unknown key "readonly"`},
		{"other placeholder", "      folder: Sets/{year}\n", `m.yaml:17: spaces.POL.closure.folder: segment "{year}": only {space} may be filled in here`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("m.yaml", []byte(withClosure(tc.body)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
