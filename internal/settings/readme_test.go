package settings_test

import (
	"os"
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/internal/settings"
)

// TestEveryVariableIsDocumented keeps the environment table in
// docs/configuration.md complete: each variable a binary reads must appear
// in it.
func TestEveryVariableIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range settings.Names() {
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/configuration.md does not document %s", name)
		}
	}
}
