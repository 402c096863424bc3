package settings_test

import (
	"fmt"
	"net"
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
		Ports       []any          `yaml:"ports"`
	} `yaml:"services"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(data, &cf); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	return cf
}

// interpolate expands s as Compose does, with env as the only variables:
// $$, $NAME, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error},
// ${NAME?error} (an error when the variable is missing, as Compose fails).
func interpolate(s string, env map[string]string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		var expr string
		if s[i+1] == '{' {
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated ${ in %q", s)
			}
			expr, i = s[i+2:i+end], i+end
		} else {
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			expr, i = s[i+1:j], j-1
		}
		name, op, arg := expr, "", ""
		if k := strings.IndexAny(expr, ":-?"); k >= 0 {
			name, op = expr[:k], expr[k:k+1]
			if op == ":" && k+1 < len(expr) {
				op = expr[k : k+2]
			}
			arg = expr[k+len(op):]
		}
		v, set := env[name]
		switch op {
		case "":
			b.WriteString(v)
		case ":-":
			if v == "" {
				v = arg
			}
			b.WriteString(v)
		case "-":
			if !set {
				v = arg
			}
			b.WriteString(v)
		case ":?", "?":
			if !set || (op == ":?" && v == "") {
				return "", fmt.Errorf("required variable %s is missing: %s", name, arg)
			}
			b.WriteString(v)
		default:
			return "", fmt.Errorf("unsupported expression ${%s}", expr)
		}
	}
	return b.String(), nil
}

// hostIP returns the host address a published port binds to ("" = every
// interface), from the short ([HOST:]HOST_PORT:CONTAINER_PORT[/PROTO]) or
// the long (host_ip:) syntax.
func hostIP(t *testing.T, service string, port any, env map[string]string) string {
	t.Helper()
	switch p := port.(type) {
	case string:
		v, err := interpolate(p, env)
		if err != nil {
			t.Fatalf("service %s port %q: %v", service, p, err)
		}
		v, _, _ = strings.Cut(v, "/")
		if i := strings.LastIndex(v, "]:"); strings.HasPrefix(v, "[") && i > 0 { // [::1]:8080:8080
			return v[1:i]
		}
		if parts := strings.Split(v, ":"); len(parts) == 3 {
			return parts[0]
		}
		return ""
	case map[string]any:
		ip, _ := p["host_ip"].(string)
		v, err := interpolate(ip, env)
		if err != nil {
			t.Fatalf("service %s port %v: %v", service, p, err)
		}
		return v
	}
	t.Fatalf("service %s: cannot read port %v", service, port)
	return ""
}

// TestComposePublishesOnLoopbackByDefault: with no variables set, every
// published port binds to 127.0.0.1 (the Temporal frontend and the Web UI
// authenticate nobody); an operator widens it with a variable.
func TestComposePublishesOnLoopbackByDefault(t *testing.T) {
	cf := loadCompose(t)
	published := 0
	for name, svc := range cf.Services {
		for _, p := range svc.Ports {
			published++
			if ip := hostIP(t, name, p, nil); ip != "127.0.0.1" {
				t.Errorf("service %s publishes %v on %q by default, want 127.0.0.1", name, p, ip)
			}
			if ip := net.ParseIP(hostIP(t, name, p, map[string]string{"BRIDGE_BIND_ADDRESS": "0.0.0.0", "BRIDGE_WEBHOOK_BIND_ADDRESS": "0.0.0.0"})); ip == nil {
				t.Errorf("service %s port %v: the bind address cannot be changed", name, p)
			}
		}
	}
	if published == 0 {
		t.Fatal("no published ports found")
	}
}

// TestComposeRequiresTheWebhookSecrets: no service falls back to a
// well-known webhook secret; BRIDGE_WEBHOOK_SECRET must be set.
func TestComposeRequiresTheWebhookSecrets(t *testing.T) {
	cf := loadCompose(t)
	found := false
	for name, svc := range cf.Services {
		for k, v := range svc.Environment {
			raw, _ := v.(string)
			if !strings.Contains(k, "SECRET") || !strings.HasPrefix(k, "BRIDGE_") {
				continue
			}
			got, err := interpolate(raw, nil)
			if err == nil && got != "" {
				t.Errorf("service %s: %s defaults to %q when unset", name, k, got)
			}
			if k != "BRIDGE_WEBHOOK_SECRET" {
				continue
			}
			found = true
			if err == nil {
				t.Errorf("service %s: %s = %q does not fail when the variable is unset (use ${%s:?message})", name, k, raw, k)
			}
			if got, err := interpolate(raw, map[string]string{k: "s3cr3t"}); err != nil || got != "s3cr3t" {
				t.Errorf("service %s: %s = %q gives %q, %v when set", name, k, raw, got, err)
			}
		}
	}
	if !found {
		t.Error("no service sets BRIDGE_WEBHOOK_SECRET")
	}
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
