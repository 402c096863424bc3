package settings_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/xecm-bridge/xecm-bridge/internal/roles"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// composeFile is the file `docker compose` runs, from this package.
const composeFile = "../../docker-compose.yml"

// webhookSecret stands in for the one variable the file requires.
const webhookSecret = "s3cr3t"

// loadCompose loads the compose file with Docker Compose's own loader, as
// `docker compose --profile '*' config` would: schema validation,
// interpolation, merge keys, and references between services checked.
// env is the whole environment (nothing from this process or a .env
// file), so each test says exactly which variables are set.
func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	var vars []string
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{composeFile}, cli.WithEnv(vars), cli.WithProfiles([]string{"*"}))
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

// mustLoadCompose loads the compose file with the webhook secret and the
// variables in extra set; a file Compose refuses fails the test.
func mustLoadCompose(t *testing.T, extra map[string]string) *types.Project {
	t.Helper()
	env := map[string]string{"BRIDGE_WEBHOOK_SECRET": webhookSecret}
	maps.Copy(env, extra)
	p, err := loadCompose(t, env)
	if err != nil {
		t.Fatalf("docker compose would refuse %s: %v", composeFile, err)
	}
	return p
}

// TestComposePublishesOnLoopbackByDefault: with no variables set, every
// published port binds to 127.0.0.1 (the Temporal frontend and the Web UI
// authenticate nobody); an operator widens it with a variable.
func TestComposePublishesOnLoopbackByDefault(t *testing.T) {
	for want, extra := range map[string]map[string]string{
		"127.0.0.1": nil,
		"0.0.0.0":   {"BRIDGE_BIND_ADDRESS": "0.0.0.0", "BRIDGE_WEBHOOK_BIND_ADDRESS": "0.0.0.0"},
	} {
		published := 0
		for name, svc := range mustLoadCompose(t, extra).Services {
			for _, p := range svc.Ports {
				published++
				if p.HostIP != want {
					t.Errorf("with %v, service %s publishes port %d on %q, want %s", extra, name, p.Target, p.HostIP, want)
				}
			}
		}
		if published == 0 {
			t.Fatal("no published ports found")
		}
	}
}

// TestComposeRequiresTheWebhookSecrets: no service falls back to a
// well-known webhook secret; BRIDGE_WEBHOOK_SECRET must be set, or
// Compose refuses to start anything.
func TestComposeRequiresTheWebhookSecrets(t *testing.T) {
	if _, err := loadCompose(t, nil); err == nil || !strings.Contains(err.Error(), "BRIDGE_WEBHOOK_SECRET") {
		t.Errorf("loading without BRIDGE_WEBHOOK_SECRET: error %v, want one naming the variable", err)
	}
	found := false
	for name, svc := range mustLoadCompose(t, nil).Services {
		for k, v := range svc.Environment {
			if !strings.HasPrefix(k, "BRIDGE_") || !strings.Contains(k, "SECRET") {
				continue
			}
			got := ""
			if v != nil {
				got = *v
			}
			switch {
			case k == "BRIDGE_WEBHOOK_SECRET":
				found = true
				if got != webhookSecret {
					t.Errorf("service %s: %s is %q, want the variable's value %q", name, k, got, webhookSecret)
				}
			case got != "":
				t.Errorf("service %s: %s defaults to %q when unset", name, k, got)
			}
		}
	}
	if !found {
		t.Error("no service sets BRIDGE_WEBHOOK_SECRET")
	}
}

// TestComposeFileIsConsistent checks what the loader cannot know: the
// bridge's services run binaries the Dockerfile builds and set only
// variables those binaries read, every worker role runs somewhere, and
// temporal-setup creates the search attributes the workflows use.
func TestComposeFileIsConsistent(t *testing.T) {
	dockerfile, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	project := mustLoadCompose(t, nil)
	known := map[string]bool{}
	for _, n := range settings.Names() {
		known[n] = true
	}
	built, profiled := false, false
	roleSeen := map[string]bool{}
	for name, svc := range project.Services {
		profiled = profiled || len(svc.Profiles) > 0
		if svc.Image != "xecm-bridge:latest" {
			continue
		}
		built = built || svc.Build != nil
		if len(svc.Entrypoint) > 0 {
			bin := svc.Entrypoint[0]
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
	if !profiled {
		t.Error("no service of a profile was loaded: the checks miss codec-server and simulators")
	}
	if !built {
		t.Error("no service builds the xecm-bridge image")
	}
	for _, r := range roles.All {
		if !roleSeen[r] {
			t.Errorf("no worker service runs role %s", r)
		}
	}
	setup, ok := project.Services["temporal-setup"]
	if !ok {
		t.Fatal("no temporal-setup service")
	}
	script := strings.Join(setup.Command, " ")
	for _, sa := range slices.Sorted(slices.Values(workflows.SearchAttributes)) {
		name, typ, _ := strings.Cut(sa, "=")
		if want := fmt.Sprintf("--name %s --type %s", name, typ); !strings.Contains(script, want) {
			t.Errorf("temporal-setup does not create search attribute %q", want)
		}
	}
}
