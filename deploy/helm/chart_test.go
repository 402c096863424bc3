package helm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/internal/roles"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// The modules whose published CRDs the custom resources are checked
// against. KEDA 2.20 is the newest release that builds with this Go; its
// Temporal scaler takes worker deployment versions.
// The Temporal Worker Controller's module ships its CRDs in its own Helm
// chart (helm/temporal-worker-controller-crds) and the environment it
// injects into the pods it runs (internal/k8s).
const (
	kedaModule       = "github.com/kedacore/keda/v2@v2.20.2"
	prometheusModule = "github.com/prometheus-operator/prometheus-operator@v0.85.0"
	controllerModule = "github.com/temporalio/temporal-worker-controller@v1.8.1"
)

// valueSets are the values files every check runs with: the chart's
// defaults (a trial against in-cluster simulators) and the Temporal Cloud
// example the docs give.
var valueSets = map[string][]string{
	"defaults":       nil,
	"temporal-cloud": {"values-temporal-cloud.yaml"},
	// The Cloud example with each versioned rollout mode.
	"versioned-deployment": {"values-temporal-cloud.yaml", "testdata/versioning-deployment.yaml"},
	"worker-controller":    {"values-temporal-cloud.yaml", "testdata/versioning-controller.yaml"},
}

// object is one rendered manifest.
type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	raw []byte
}

func (o object) String() string { return o.Kind + "/" + o.Metadata.Name }

// helmBinary finds the helm CLI `make test` installs (go install), or skips
// (fails under XECM_REQUIRE_TOOLS=1).
func helmBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("helm"); err == nil {
		return p
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "helm")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	msg := "helm not found (make tools installs it: go install helm.sh/helm/v4/cmd/helm)"
	if os.Getenv("XECM_REQUIRE_TOOLS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func helmArgs(files []string, args ...string) []string {
	for _, f := range files {
		args = append(args, "-f", f)
	}
	return args
}

var (
	renderMu sync.Mutex
	rendered = map[string][]object{}
)

// render runs `helm template` once per value set and splits the output.
func render(t *testing.T, set string) []object {
	t.Helper()
	renderMu.Lock()
	defer renderMu.Unlock()
	if objs, ok := rendered[set]; ok {
		return objs
	}
	cmd := exec.Command(helmBinary(t), helmArgs(valueSets[set], "template", "bridge", "xecm-bridge", "--namespace", "records")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm template (%s): %v\n%s", set, err, stderr.String())
	}
	var objs []object
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(out), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("%s: a rendered document is not YAML: %v\n%s", set, err, doc)
		}
		o.raw = []byte(doc)
		objs = append(objs, o)
	}
	if len(objs) == 0 {
		t.Fatalf("%s: helm rendered nothing", set)
	}
	rendered[set] = objs
	return objs
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// TestHelmLint runs `helm lint --strict` with each value set: Chart.yaml,
// templates and values.schema.json.
func TestHelmLint(t *testing.T) {
	for set, files := range valueSets {
		out, err := exec.Command(helmBinary(t), helmArgs(files, "lint", "--strict", "xecm-bridge")...).CombinedOutput()
		if err != nil {
			t.Errorf("helm lint (%s): %v\n%s", set, err, out)
		}
	}
}

// TestValuesSchemaRefusesBadValues: values.schema.json turns a typo or a
// wrong type into a refusal, as helm install would.
func TestValuesSchemaRefusesBadValues(t *testing.T) {
	// Each bad value, and where the schema must say it is wrong.
	for bad, at := range map[string]string{
		"bogus=1":                  "at '': additional properties 'bogus'",
		"workers.opentext.rate=0":  "at '/workers/opentext/rate'",
		"temporal.address=no-port": "at '/temporal/address'",
		"confluence.flavor=server": "at '/confluence/flavor'",
		"logLevel=loud":            "at '/logLevel'",
		"versioning.mode=off":      "at '/versioning/mode'",
		// An OTLP endpoint is a URL, without a query or credentials.
		"tracing.otlpEndpoint=otel-collector:4318":                "at '/tracing/otlpEndpoint'",
		"tracing.otlpEndpoint=http://user:pw@otel-collector:4318": "at '/tracing/otlpEndpoint'",
		"tracing.sampler=always_on":                               "at '/tracing': additional properties 'sampler'",
	} {
		out, err := exec.Command(helmBinary(t), "template", "bridge", "xecm-bridge", "--set", bad).CombinedOutput()
		if err == nil {
			t.Errorf("--set %s was accepted", bad)
		} else if !strings.Contains(string(out), "values don't meet the specifications of the schema") || !strings.Contains(string(out), at) {
			t.Errorf("--set %s: not refused by the schema %s: %s", bad, at, out)
		}
	}
	// Without the simulators the backends' URLs must be given.
	out, err := exec.Command(helmBinary(t), "template", "bridge", "xecm-bridge", "--set", "simulators.enabled=false").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "confluence.baseURL is required") {
		t.Errorf("no backend URLs: %v %s", err, out)
	}
}

// builtIn are the Kubernetes API types the chart may render, decoded
// strictly: a field the type does not have fails.
var builtIn = map[string]func() any{
	"apps/v1/Deployment":                      func() any { return &appsv1.Deployment{} },
	"v1/Service":                              func() any { return &corev1.Service{} },
	"v1/ConfigMap":                            func() any { return &corev1.ConfigMap{} },
	"v1/ServiceAccount":                       func() any { return &corev1.ServiceAccount{} },
	"batch/v1/Job":                            func() any { return &batchv1.Job{} },
	"policy/v1/PodDisruptionBudget":           func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/NetworkPolicy":      func() any { return &networkingv1.NetworkPolicy{} },
	"networking.k8s.io/v1/Ingress":            func() any { return &networkingv1.Ingress{} },
	"keda.sh/v1alpha1/ScaledObject":           nil, // CRDs: see crdSchemas
	"keda.sh/v1alpha1/TriggerAuthentication":  nil,
	"monitoring.coreos.com/v1/ServiceMonitor": nil,
	"monitoring.coreos.com/v1/PrometheusRule": nil,
	"temporal.io/v1alpha1/WorkerDeployment":   nil,
	"temporal.io/v1alpha1/Connection":         nil,
}

// TestRenderedObjectsDecodeStrictly decodes every built-in object into its
// Kubernetes API type with unknown fields refused, and validates every
// custom resource against the CRD its operator publishes.
func TestRenderedObjectsDecodeStrictly(t *testing.T) {
	schemas := crdSchemas(t)
	for set := range valueSets {
		for _, o := range render(t, set) {
			gvk := o.APIVersion + "/" + o.Kind
			mk, known := builtIn[gvk]
			switch {
			case !known:
				t.Errorf("%s: %s renders %s, which no check covers", set, o, gvk)
			case mk != nil:
				if err := yaml.UnmarshalStrict(o.raw, mk()); err != nil {
					t.Errorf("%s: %s does not decode strictly into %s: %v", set, o, gvk, err)
				}
			default:
				sch, ok := schemas[gvk]
				if !ok {
					t.Fatalf("no CRD schema for %s", gvk)
				}
				var doc any
				if err := yaml.Unmarshal(o.raw, &doc); err != nil {
					t.Fatal(err)
				}
				if err := sch.Validate(toJSONValue(t, doc)); err != nil {
					t.Errorf("%s: %s fails the published %s CRD schema: %v", set, o, gvk, err)
				}
			}
		}
	}
}

// moduleDir downloads a module through the Go module proxy (verified
// against go.sum's database like any dependency) and returns its directory.
func moduleDir(t *testing.T, mod string) string {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", mod).Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v %s", mod, err, out)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Error != "" || info.Dir == "" {
		t.Fatalf("go mod download %s: %v %s", mod, err, info.Error)
	}
	return info.Dir
}

// crdSchemas compiles the openAPIV3Schema of each CRD version the chart
// uses into a JSON Schema in which every object that lists its properties
// refuses others (the API server would prune them silently; here they
// fail), except where the CRD preserves unknown fields.
func crdSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	keda, prom, ctl := moduleDir(t, kedaModule), moduleDir(t, prometheusModule), moduleDir(t, controllerModule)
	files := []string{
		filepath.Join(ctl, "helm/temporal-worker-controller-crds/templates/temporal.io_workerdeployments.yaml"),
		filepath.Join(ctl, "helm/temporal-worker-controller-crds/templates/temporal.io_connections.yaml"),
		filepath.Join(keda, "config/crd/bases/keda.sh_scaledobjects.yaml"),
		filepath.Join(keda, "config/crd/bases/keda.sh_triggerauthentications.yaml"),
		filepath.Join(prom, "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"),
		filepath.Join(prom, "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"),
	}
	out := map[string]*jsonschema.Schema{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd struct {
			Spec struct {
				Group string `json:"group"`
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
				Versions []struct {
					Name   string `json:"name"`
					Schema struct {
						OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(b, &crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, v := range crd.Spec.Versions {
			gvk := crd.Spec.Group + "/" + v.Name + "/" + crd.Spec.Names.Kind
			s := strict(v.Schema.OpenAPIV3Schema)
			c := jsonschema.NewCompiler()
			if err := c.AddResource(gvk+".json", toJSONValue(t, s)); err != nil {
				t.Fatal(err)
			}
			sch, err := c.Compile(gvk + ".json")
			if err != nil {
				t.Fatalf("%s: %v", gvk, err)
			}
			out[gvk] = sch
		}
	}
	return out
}

// strict returns a copy of an OpenAPI v3 schema with additionalProperties
// false on every object that lists properties, does not preserve unknown
// fields and says nothing about additional ones.
func strict(s map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range s {
		switch k {
		case "properties":
			props := map[string]any{}
			for name, p := range v.(map[string]any) {
				props[name] = strict(p.(map[string]any))
			}
			out[k] = props
		case "items", "additionalProperties":
			if m, ok := v.(map[string]any); ok {
				out[k] = strict(m)
			} else {
				out[k] = v
			}
		case "allOf", "anyOf", "oneOf":
			var list []any
			for _, e := range v.([]any) {
				list = append(list, strict(e.(map[string]any)))
			}
			out[k] = list
		default:
			out[k] = v
		}
	}
	_, hasProps := s["properties"]
	_, hasAdditional := s["additionalProperties"]
	if hasProps && !hasAdditional && s["x-kubernetes-preserve-unknown-fields"] != true {
		out["additionalProperties"] = false
	}
	return out
}

// toJSONValue round-trips v through encoding/json, so that numbers are
// what jsonschema expects.
func toJSONValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestCRDSchemaCheckCanFail: the strict CRD check refuses a field the CRD
// does not define, so a green run means something.
func TestCRDSchemaCheckCanFail(t *testing.T) {
	schemas := crdSchemas(t)
	bad := map[string]any{"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": map[string]any{"name": "x"},
		"spec": map[string]any{"scaleTargetRef": map[string]any{"name": "x"}, "maxReplicas": 3,
			"triggers": []any{map[string]any{"type": "temporal", "metadata": map[string]any{}}}}}
	if err := schemas["keda.sh/v1alpha1/ScaledObject"].Validate(toJSONValue(t, bad)); err == nil {
		t.Fatal("a ScaledObject with spec.maxReplicas (KEDA calls it maxReplicaCount) passed")
	}
	wd := map[string]any{"apiVersion": "temporal.io/v1alpha1", "kind": "WorkerDeployment", "metadata": map[string]any{"name": "x"},
		"spec": map[string]any{"template": map[string]any{}, "rollout": map[string]any{"strategy": "AllAtOnce"},
			"sunset":        map[string]any{"scaledownDelay": "1h", "deleteDelay": "24h"},
			"workerOptions": map[string]any{"connectionRef": map[string]any{"name": "x"}, "temporalNamespace": "default", "buildID": "1"}}}
	if err := schemas["temporal.io/v1alpha1/WorkerDeployment"].Validate(toJSONValue(t, wd)); err == nil {
		t.Fatal("a WorkerDeployment with workerOptions.buildID (the controller calls it unsafeCustomBuildID) passed")
	}
	delete(wd["spec"].(map[string]any)["workerOptions"].(map[string]any), "buildID")
	if err := schemas["temporal.io/v1alpha1/WorkerDeployment"].Validate(toJSONValue(t, wd)); err != nil {
		t.Fatalf("the same WorkerDeployment without it failed: %v", err)
	}
}

// TestKEDATemporalTriggers: each worker role scales on its own task queue,
// of the right type, and every trigger parameter is one KEDA's Temporal
// scaler reads (from the scaler's source in the same KEDA module).
func TestKEDATemporalTriggers(t *testing.T) {
	params := kedaTemporalParams(t)
	want := map[string][2]string{
		"bridge-xecm-bridge-worker-workflows":  {workflows.TaskQueue, "workflow"},
		"bridge-xecm-bridge-worker-confluence": {activities.ConfluenceTaskQueue, "activity"},
		"bridge-xecm-bridge-worker-opentext":   {activities.OpenTextTaskQueue, "activity"},
	}
	seen := 0
	for _, o := range render(t, "temporal-cloud") {
		if o.Kind != "ScaledObject" {
			continue
		}
		var so struct {
			Spec struct {
				ScaleTargetRef struct{ Name string } `json:"scaleTargetRef"`
				Triggers       []struct {
					Type              string                 `json:"type"`
					Metadata          map[string]string      `json:"metadata"`
					AuthenticationRef *struct{ Name string } `json:"authenticationRef"`
				} `json:"triggers"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(o.raw, &so); err != nil {
			t.Fatal(err)
		}
		w, ok := want[so.Spec.ScaleTargetRef.Name]
		if !ok || len(so.Spec.Triggers) != 1 {
			t.Errorf("%s scales %q with %d triggers", o, so.Spec.ScaleTargetRef.Name, len(so.Spec.Triggers))
			continue
		}
		seen++
		tr := so.Spec.Triggers[0]
		if tr.Type != "temporal" || tr.Metadata["taskQueue"] != w[0] || tr.Metadata["queueTypes"] != w[1] {
			t.Errorf("%s: trigger %+v, want queue %s of type %s", o, tr, w[0], w[1])
		}
		if tr.AuthenticationRef == nil {
			t.Errorf("%s: no authenticationRef, but the Cloud values use an API key", o)
		}
		for k := range tr.Metadata {
			if !params[k] {
				t.Errorf("%s: KEDA's Temporal scaler has no parameter %q", o, k)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d ScaledObjects for %d worker roles", seen, len(want))
	}
}

// kedaTemporalParams are the trigger parameters KEDA's Temporal scaler
// reads, from its source.
func kedaTemporalParams(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(moduleDir(t, kedaModule), "pkg/scalers/temporal_scaler.go"))
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]bool{}
	for _, m := range regexp.MustCompile(`keda:"name=(\w+),\s*order=triggerMetadata`).FindAllStringSubmatch(string(src), -1) {
		params[m[1]] = true
	}
	if !params["taskQueue"] || !params["queueTypes"] || !params["workerDeploymentName"] || !params["workerDeploymentBuildId"] {
		t.Fatalf("could not read the scaler's parameters: %v", params)
	}
	return params
}

// notBridge are variables the chart sets for the runtime, not the bridge:
// HOME points Chromium's and fontconfig's caches at the writable /tmp.
var notBridge = []string{"HOME"}

// required are the variables each component cannot run without against a
// real system: settings' defaults point at a local dev server and
// simulators on loopback, which in a pod is nothing. The probe addresses
// must listen beyond loopback.
var required = map[string][]string{
	"worker-workflows":  {"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "BRIDGE_METRICS_ADDR"},
	"worker-confluence": {"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "BRIDGE_METRICS_ADDR", "BRIDGE_MAPPING_FILE", "CONFLUENCE_BASE_URL", "OTCS_BASE_URL", "OTCS_USERNAME", "OTCS_PASSWORD", "BRIDGE_CONFLUENCE_RATE"},
	"worker-opentext":   {"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "BRIDGE_METRICS_ADDR", "BRIDGE_MAPPING_FILE", "CONFLUENCE_BASE_URL", "OTCS_BASE_URL", "OTCS_USERNAME", "OTCS_PASSWORD", "BRIDGE_OPENTEXT_RATE", "BRIDGE_RENDER_DIR"},
	"webhook":           {"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "BRIDGE_MAPPING_FILE", "BRIDGE_WEBHOOK_ADDR", "BRIDGE_WEBHOOK_SECRET", "BRIDGE_WEBHOOK_IGNORE_ACTORS"},
	"codec-server":      {"BRIDGE_CODEC_ADDR", "BRIDGE_CODEC_KEYS", "BRIDGE_CODEC_AUTH_TOKEN"},
	"schedules":         {"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE"},
}

// secretish names a variable that holds a credential.
var secretish = regexp.MustCompile(`TOKEN|PASSWORD|SECRET|API_KEY|CODEC_KEYS`)

// TestEnvironmentMatchesTheBinaries: every variable the chart sets is one
// a binary reads (settings.Names), every one a component needs is set, no
// credential is a literal value (only secretKeyRef), and the probes and
// metrics ports match the addresses the processes are told to listen on.
func TestEnvironmentMatchesTheBinaries(t *testing.T) {
	known := map[string]bool{}
	for _, n := range settings.Names() {
		known[n] = true
	}
	injected := controllerEnv(t)
	for set := range valueSets {
		seen := map[string]bool{}
		for _, o := range render(t, set) {
			spec, component := podSpec(t, o)
			if spec == nil || strings.HasPrefix(component, "simulators") {
				continue
			}
			seen[component] = true
			for _, c := range append(spec.InitContainers, spec.Containers...) {
				env := map[string]corev1.EnvVar{}
				if o.Kind == "WorkerDeployment" {
					for _, n := range injected {
						env[n] = corev1.EnvVar{Name: n, Value: "(set by the controller)"}
					}
				}
				for _, e := range c.Env {
					if o.Kind == "WorkerDeployment" && slices.Contains(injected, e.Name) {
						t.Errorf("%s: %s/%s sets %s, which the Worker Controller injects too", set, o, c.Name, e.Name)
					}
					if !known[e.Name] && !slices.Contains(notBridge, e.Name) {
						t.Errorf("%s: %s/%s sets %s, which no xecm-bridge binary reads", set, o, c.Name, e.Name)
					}
					if secretish.MatchString(e.Name) && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
						t.Errorf("%s: %s/%s: %s is not read from a Secret", set, o, c.Name, e.Name)
					}
					env[e.Name] = e
				}
				for _, r := range required[component] {
					if _, ok := env[r]; !ok {
						t.Errorf("%s: %s/%s does not set %s", set, o, c.Name, r)
					}
				}
				if !credentialsAsNeeded(env, component) {
					t.Errorf("%s: %s/%s: a Confluence credential where none belongs, or none where one does", set, o, c.Name)
				}
				checkListen(t, set, o, c, env)
			}
		}
		for component := range required {
			if component == "codec-server" && set == "defaults" {
				continue // off by default
			}
			if !seen[component] {
				t.Errorf("%s: nothing renders %s", set, component)
			}
		}
	}
}

// TestTracingValueSetsEachComponent: with tracing.otlpEndpoint (the
// Temporal Cloud example sets it) every bridge process, workers, webhook
// and the schedules Job, gets the endpoint and a service name of its own;
// without it (the defaults) none gets any OTEL_ variable, so tracing is
// off.
func TestTracingValueSetsEachComponent(t *testing.T) {
	const endpoint = "http://otel-collector.observability:4318"
	names := map[string]string{}
	for set, want := range map[string]bool{"defaults": false, "temporal-cloud": true} {
		for _, o := range render(t, set) {
			spec, component := podSpec(t, o)
			if spec == nil || strings.HasPrefix(component, "simulators") || component == "codec-server" {
				continue
			}
			for _, c := range append(spec.InitContainers, spec.Containers...) {
				env := map[string]string{}
				for _, e := range c.Env {
					if strings.HasPrefix(e.Name, "OTEL_") {
						env[e.Name] = e.Value
					}
				}
				switch {
				case !want && len(env) > 0:
					t.Errorf("%s: %s/%s sets %v without tracing.otlpEndpoint", set, o, c.Name, env)
				case want && (env["OTEL_EXPORTER_OTLP_ENDPOINT"] != endpoint || env["OTEL_SERVICE_NAME"] != "xecm-bridge-"+component):
					t.Errorf("%s: %s/%s: tracing env %v, want the endpoint and service name xecm-bridge-%s", set, o, c.Name, env, component)
				case want:
					names[component] = env["OTEL_SERVICE_NAME"]
				}
			}
		}
	}
	for _, c := range []string{"worker-workflows", "worker-confluence", "worker-opentext", "webhook", "schedules"} {
		if names[c] == "" {
			t.Errorf("temporal-cloud: %s is not traced", c)
		}
	}
}

// credentialsAsNeeded: the activity workers get a Confluence credential
// (API token or bearer token); other components none.
func credentialsAsNeeded(env map[string]corev1.EnvVar, component string) bool {
	_, token := env["CONFLUENCE_API_TOKEN"]
	_, bearer := env["CONFLUENCE_TOKEN"]
	has := token || bearer
	if component == "worker-confluence" || component == "worker-opentext" {
		return has
	}
	return !has
}

// checkListen: an address a process listens on binds every interface and
// its port is a declared container port that the probes use.
func checkListen(t *testing.T, set string, o object, c corev1.Container, env map[string]corev1.EnvVar) {
	t.Helper()
	for _, name := range []string{"BRIDGE_METRICS_ADDR", "BRIDGE_WEBHOOK_ADDR", "BRIDGE_CODEC_ADDR"} {
		e, ok := env[name]
		if !ok {
			continue
		}
		host, port, err := net.SplitHostPort(e.Value)
		if err != nil || (host != "0.0.0.0" && host != "") {
			t.Errorf("%s: %s/%s: %s=%q does not listen beyond loopback", set, o, c.Name, name, e.Value)
			continue
		}
		declared := slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return fmt.Sprint(p.ContainerPort) == port })
		if !declared {
			t.Errorf("%s: %s/%s listens on %s (%s) but declares no such port", set, o, c.Name, port, name)
		}
	}
}

// podSpec returns the pod spec of a workload and its component label.
func podSpec(t *testing.T, o object) (*corev1.PodSpec, string) {
	t.Helper()
	switch o.Kind {
	case "Deployment":
		var d appsv1.Deployment
		if err := yaml.Unmarshal(o.raw, &d); err != nil {
			t.Fatal(err)
		}
		return &d.Spec.Template.Spec, d.Spec.Template.Labels["app.kubernetes.io/component"]
	case "WorkerDeployment": // the Temporal Worker Controller's: a pod template like a Deployment's
		var d struct {
			Spec struct {
				Template corev1.PodTemplateSpec `json:"template"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(o.raw, &d); err != nil {
			t.Fatal(err)
		}
		return &d.Spec.Template.Spec, d.Spec.Template.Labels["app.kubernetes.io/component"]
	case "Job":
		var j batchv1.Job
		if err := yaml.Unmarshal(o.raw, &j); err != nil {
			t.Fatal(err)
		}
		return &j.Spec.Template.Spec, j.Spec.Template.Labels["app.kubernetes.io/component"]
	}
	return nil, ""
}

// TestWorkloadsAreHardened: every pod runs as non-root with a read-only
// root file system, no privilege escalation and all capabilities dropped,
// has memory requests and limits, and every long-running container has
// liveness and readiness probes; worker pods get a grace period above the
// longest activity heartbeat timeout, and one Deployment per worker role
// runs that role.
func TestWorkloadsAreHardened(t *testing.T) {
	for set := range valueSets {
		roleArgs := map[string][]string{} // by build id ("" unversioned or the controller's)
		for _, o := range render(t, set) {
			spec, component := podSpec(t, o)
			if spec == nil {
				continue
			}
			if sc := spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
				t.Errorf("%s: %s: pod may run as root", set, o)
			}
			if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
				t.Errorf("%s: %s mounts a service account token it does not use", set, o)
			}
			for _, c := range append(spec.InitContainers, spec.Containers...) {
				sc := c.SecurityContext
				if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
					sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
					t.Errorf("%s: %s/%s is not hardened: %+v", set, o, c.Name, sc)
				}
				if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
					t.Errorf("%s: %s/%s has no memory request or limit", set, o, c.Name)
				}
				if (o.Kind == "Deployment" || o.Kind == "WorkerDeployment") && (c.LivenessProbe == nil || c.ReadinessProbe == nil) {
					t.Errorf("%s: %s/%s has no liveness or readiness probe", set, o, c.Name)
				}
				if strings.HasPrefix(component, "worker-") {
					if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
						t.Errorf("%s: %s: readiness is not /readyz (connected and polling)", set, o)
					}
					if len(c.Args) == 2 && c.Args[0] == "--queues" {
						build := ""
						for _, e := range c.Env {
							if e.Name == "TEMPORAL_WORKER_BUILD_ID" {
								build = e.Value
							}
						}
						roleArgs[build] = append(roleArgs[build], c.Args[1])
					}
				}
			}
			if strings.HasPrefix(component, "worker-") {
				if g := spec.TerminationGracePeriodSeconds; g == nil || *g <= int64(workflows.LongestHeartbeatTimeout.Seconds()) {
					t.Errorf("%s: %s: grace period %v is not above the longest heartbeat timeout %s", set, o, g, workflows.LongestHeartbeatTimeout)
				} else {
					for _, c := range spec.Containers {
						for _, e := range c.Env {
							if d, err := time.ParseDuration(e.Value); e.Name == "BRIDGE_WORKER_STOP_TIMEOUT" && (err != nil || d >= time.Duration(*g)*time.Second) {
								t.Errorf("%s: %s: stop timeout %q does not end before the grace period of %d s", set, o, e.Value, *g)
							}
						}
					}
				}
			}
		}
		want := slices.Sorted(slices.Values(roles.All))
		for build, args := range roleArgs {
			slices.Sort(args)
			if !slices.Equal(args, want) {
				t.Errorf("%s: worker Deployments of build %q run roles %v, want one each of %v", set, build, args, want)
			}
		}
		if len(roleArgs) == 0 {
			t.Errorf("%s: no worker Deployments", set)
		}
	}
}

// TestNoSecretsInTheChart: the chart renders no Secret and no value file
// holds a credential; they come from Secrets the operator creates.
func TestNoSecretsInTheChart(t *testing.T) {
	for set := range valueSets {
		for _, o := range render(t, set) {
			if o.Kind == "Secret" {
				t.Errorf("%s: the chart renders %s", set, o)
			}
		}
	}
}
