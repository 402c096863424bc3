package helm

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/internal/roles"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// controllerEnv is every variable the Temporal Worker Controller sets in
// the pods it creates, read from its source (internal/k8s), so a release
// that adds one is noticed here.
func controllerEnv(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(moduleDir(t, controllerModule), "internal/k8s/deployments.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`Name:\s+"(TEMPORAL_\w+)"`).FindAllStringSubmatch(string(src), -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	if !slices.Contains(out, "TEMPORAL_DEPLOYMENT_NAME") || !slices.Contains(out, "TEMPORAL_WORKER_BUILD_ID") {
		t.Fatalf("could not read the controller's injected environment: %v", out)
	}
	return out
}

// TestControllerEnvIsWhatTheWorkersRead: the deployment name, build id and
// connection the controller injects are variables the workers read under
// the same names; the only ones they do not read are its mTLS file paths,
// which the chart's own mount and TEMPORAL_TLS_CERT/KEY replace.
func TestControllerEnvIsWhatTheWorkersRead(t *testing.T) {
	known := settings.Names()
	var unread []string
	for _, n := range controllerEnv(t) {
		if !slices.Contains(known, n) {
			unread = append(unread, n)
		}
	}
	slices.Sort(unread)
	if want := []string{"TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH"}; !slices.Equal(unread, want) {
		t.Errorf("the controller injects %v, which no bridge binary reads; want only %v", unread, want)
	}
}

// workerEnv is a worker container's environment by name.
func workerEnv(t *testing.T, o object) (map[string]string, []string) {
	t.Helper()
	spec, _ := podSpec(t, o)
	if spec == nil || len(spec.Containers) != 1 {
		t.Fatalf("%s: not one worker container", o)
	}
	env := map[string]string{}
	for _, e := range spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	return env, spec.Containers[0].Args
}

// TestVersionedDeployments: with versioning.mode deployment every build
// (the chart's image tag, and each draining one) has one Deployment per
// role, named and labelled by its build and running its own image, whose
// workers poll as the version <namespace>/<release>-worker-<role> +
// build id; each ScaledObject scales its build's Deployment on that
// version's backlog alone.
func TestVersionedDeployments(t *testing.T) {
	type key struct{ role, build string }
	deployments := map[string]key{}
	for _, o := range render(t, "versioned-deployment") {
		if o.Kind != "Deployment" || !strings.Contains(o.Metadata.Name, "-worker-") {
			continue
		}
		var d appsv1.Deployment
		if err := yaml.Unmarshal(o.raw, &d); err != nil {
			t.Fatal(err)
		}
		env, args := workerEnv(t, o)
		role, build := args[1], env["TEMPORAL_WORKER_BUILD_ID"]
		if want := "records/bridge-xecm-bridge-worker-" + role; env["TEMPORAL_DEPLOYMENT_NAME"] != want {
			t.Errorf("%s: TEMPORAL_DEPLOYMENT_NAME %q, want %q", o, env["TEMPORAL_DEPLOYMENT_NAME"], want)
		}
		slug := strings.ReplaceAll(build, ".", "-")
		if d.Name != "bridge-xecm-bridge-worker-"+role+"-"+slug || d.Spec.Selector.MatchLabels["xecm-bridge.io/build-id"] != slug ||
			d.Spec.Template.Labels["xecm-bridge.io/build-id"] != slug {
			t.Errorf("%s: build %q is not in its name, selector and pod labels", o, build)
		}
		if img := d.Spec.Template.Spec.Containers[0].Image; img != "registry.example.com/xecm-bridge:"+build {
			t.Errorf("%s: build %s runs image %s", o, build, img)
		}
		deployments[d.Name] = key{role, build}
	}
	var builds []string
	for _, k := range deployments {
		if !slices.Contains(builds, k.build) {
			builds = append(builds, k.build)
		}
	}
	slices.Sort(builds)
	if !slices.Equal(builds, []string{"0.0.9", "0.1.0"}) || len(deployments) != 2*len(roles.All) {
		t.Fatalf("worker Deployments %v: want every role for builds 0.1.0 (image.tag) and 0.0.9 (draining)", deployments)
	}

	params := kedaTemporalParams(t)
	queues := map[string]string{roles.Workflows: workflows.TaskQueue, roles.Confluence: activities.ConfluenceTaskQueue, roles.OpenText: activities.OpenTextTaskQueue}
	scaled := 0
	for _, o := range render(t, "versioned-deployment") {
		if o.Kind != "ScaledObject" {
			continue
		}
		var so struct {
			Spec struct {
				ScaleTargetRef struct{ Name string } `json:"scaleTargetRef"`
				Triggers       []struct {
					Metadata map[string]string `json:"metadata"`
				} `json:"triggers"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(o.raw, &so); err != nil {
			t.Fatal(err)
		}
		target, ok := deployments[so.Spec.ScaleTargetRef.Name]
		if !ok || len(so.Spec.Triggers) != 1 {
			t.Errorf("%s scales %q, no worker Deployment", o, so.Spec.ScaleTargetRef.Name)
			continue
		}
		scaled++
		m := so.Spec.Triggers[0].Metadata
		if m["workerDeploymentName"] != "records/bridge-xecm-bridge-worker-"+target.role || m["workerDeploymentBuildId"] != target.build ||
			m["taskQueue"] != queues[target.role] {
			t.Errorf("%s: trigger %v does not measure version %s of role %s", o, m, target.build, target.role)
		}
		for k := range m {
			if !params[k] {
				t.Errorf("%s: KEDA's Temporal scaler has no parameter %q", o, k)
			}
		}
	}
	if scaled != len(deployments) {
		t.Errorf("%d ScaledObjects for %d worker Deployments", scaled, len(deployments))
	}
	// A draining build that is the current one again is refused, not
	// rendered as two Deployments of one name.
	out, err := exec.Command(helmBinary(t), helmArgs(valueSets["versioned-deployment"], "template", "bridge", "xecm-bridge",
		"--set-json", `versioning.drainingBuilds=[{"tag":"0.1.0"}]`)...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), `gives the name suffix "0-1-0", empty or the same as another build's`) {
		t.Errorf("a draining build equal to the current one: %v %s", err, out)
	}
}

// TestWorkerControllerObjects: with versioning.mode controller each role
// is a WorkerDeployment named so that the controller's Temporal deployment
// (<namespace>/<name>) is the one mode deployment uses, connected through
// the chart's Connection to the same address, namespace and API key as the
// other processes; no plain worker Deployment or ScaledObject is rendered,
// and the chart refuses autoscaling with it.
func TestWorkerControllerObjects(t *testing.T) {
	var wds []string
	connections := map[string]bool{}
	for _, o := range render(t, "worker-controller") {
		switch {
		case o.Kind == "Connection":
			var c struct {
				Spec struct {
					HostPort        string                    `json:"hostPort"`
					APIKeySecretRef *corev1.SecretKeySelector `json:"apiKeySecretRef"`
				} `json:"spec"`
			}
			if err := yaml.Unmarshal(o.raw, &c); err != nil {
				t.Fatal(err)
			}
			if c.Spec.HostPort != "records-prod.a1b2c.tmprl.cloud:7233" || c.Spec.APIKeySecretRef == nil || c.Spec.APIKeySecretRef.Name != "xecm-bridge-temporal" {
				t.Errorf("%s: %+v is not the Cloud example's address and API key", o, c.Spec)
			}
			connections[o.Metadata.Name] = true
		case o.Kind == "WorkerDeployment":
			var wd struct {
				Spec struct {
					WorkerOptions struct {
						ConnectionRef     struct{ Name string } `json:"connectionRef"`
						TemporalNamespace string                `json:"temporalNamespace"`
					} `json:"workerOptions"`
				} `json:"spec"`
			}
			if err := yaml.Unmarshal(o.raw, &wd); err != nil {
				t.Fatal(err)
			}
			_, args := workerEnv(t, o)
			if o.Metadata.Name != "bridge-xecm-bridge-worker-"+args[1] {
				t.Errorf("%s runs role %s: the controller would name its deployment records/%s", o, args[1], o.Metadata.Name)
			}
			if wd.Spec.WorkerOptions.ConnectionRef.Name != "bridge-xecm-bridge-temporal" || wd.Spec.WorkerOptions.TemporalNamespace != "records-prod.a1b2c" {
				t.Errorf("%s: worker options %+v", o, wd.Spec.WorkerOptions)
			}
			wds = append(wds, args[1])
		case o.Kind == "ScaledObject", o.Kind == "Deployment" && strings.Contains(o.Metadata.Name, "-worker-"):
			t.Errorf("%s is rendered beside the WorkerDeployments", o)
		}
	}
	slices.Sort(wds)
	if !slices.Equal(wds, slices.Sorted(slices.Values(roles.All))) || !connections["bridge-xecm-bridge-temporal"] {
		t.Errorf("WorkerDeployments for %v, Connections %v", wds, connections)
	}
	files := valueSets["worker-controller"]
	out, err := exec.Command(helmBinary(t), helmArgs(files, "template", "bridge", "xecm-bridge", "--set", "autoscaling.enabled=true")...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "autoscaling.enabled does not combine with versioning.mode=controller") {
		t.Errorf("controller mode with KEDA: %v %s", err, out)
	}
}

// TestUnversionedByDefault: the default and the Cloud example set no
// versioning variable, so their workers poll unversioned as before.
func TestUnversionedByDefault(t *testing.T) {
	for _, set := range []string{"defaults", "temporal-cloud"} {
		for _, o := range render(t, set) {
			if spec, _ := podSpec(t, o); spec != nil {
				for _, c := range spec.Containers {
					for _, e := range c.Env {
						if e.Name == "TEMPORAL_DEPLOYMENT_NAME" || e.Name == "TEMPORAL_WORKER_BUILD_ID" {
							t.Errorf("%s: %s sets %s", set, o, e.Name)
						}
					}
				}
			}
		}
	}
}
