package settings_test

import (
	"os"
	"strings"
	"testing"

	"github.com/xecm-bridge/xecm-bridge/internal/settings"
)

// TestEveryVariableIsDocumented keeps the README's environment table
// complete: each variable a binary reads must appear in it.
func TestEveryVariableIsDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range settings.Names() {
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("README.md does not document %s", name)
		}
	}
}
