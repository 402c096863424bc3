package settings_test

import (
	"os"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/xecm-bridge/xecm-bridge/internal/roles"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

type composeFile struct {
	Services map[string]struct {
		Image       string         `yaml:"image"`
		Build       any            `yaml:"build"`
		Command     []string       `yaml:"command"`
		Entrypoint  any            `yaml:"entrypoint"`
		DependsOn   any            `yaml:"depends_on"`
		Environment map[string]any `yaml:"environment"`
		Profiles    []string       `yaml:"profiles"`
	} `yaml:"services"`
}

// TestComposeFileIsConsistent checks docker-compose.yml with what can run
// here (no Docker engine): references resolve, the bridge's services set
// only variables the binaries read, worker roles exist, and the search
// attributes created are the ones the workflows use.
func TestComposeFileIsConsistent(t *testing.T) {
	data, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	dockerfile, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(data, &cf); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	known := map[string]bool{}
	for _, n := range settings.Names() {
		known[n] = true
	}
	built := false
	roleSeen := map[string]bool{}
	for name, svc := range cf.Services {
		var deps []string
		switch d := svc.DependsOn.(type) {
		case []any:
			for _, v := range d {
				deps = append(deps, v.(string))
			}
		case map[string]any:
			for k := range d {
				deps = append(deps, k)
			}
		}
		for _, d := range deps {
			if _, ok := cf.Services[d]; !ok {
				t.Errorf("service %s depends on unknown service %s", name, d)
			}
		}
		if svc.Image != "xecm-bridge:latest" {
			continue
		}
		if svc.Build != nil {
			built = true
		}
		if ep, ok := svc.Entrypoint.([]any); ok && len(ep) > 0 {
			bin, _ := ep[0].(string)
			if !strings.HasPrefix(bin, "/app/") || !strings.Contains(string(dockerfile), "./"+strings.TrimPrefix(bin, "/app/")) {
				t.Errorf("service %s runs %s, which the Dockerfile does not build", name, bin)
			}
		}
		for k := range svc.Environment {
			if !known[k] {
				t.Errorf("service %s sets %s, which no xecm-bridge binary reads", name, k)
			}
		}
		if len(svc.Command) == 2 && svc.Command[0] == "--queues" {
			rs, err := roles.Parse(svc.Command[1])
			if err != nil {
				t.Errorf("service %s: %v", name, err)
			}
			for _, r := range rs {
				roleSeen[r] = true
			}
		}
	}
	if !built {
		t.Error("no service builds the xecm-bridge image")
	}
	for _, r := range roles.All {
		if !roleSeen[r] {
			t.Errorf("no worker service runs role %s", r)
		}
	}
	setup := strings.Join(cfCommand(t, data), " ")
	var want []string
	for _, sa := range workflows.SearchAttributes {
		name, typ, _ := strings.Cut(sa, "=")
		want = append(want, "--name "+name+" --type "+typ)
	}
	sort.Strings(want)
	for _, w := range want {
		if !strings.Contains(setup, w) {
			t.Errorf("temporal-setup does not create search attribute %q", w)
		}
	}
}

func cfCommand(t *testing.T, data []byte) []string {
	var raw struct {
		Services map[string]struct {
			Command []string `yaml:"command"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	return raw.Services["temporal-setup"].Command
}
