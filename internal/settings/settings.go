// Package settings reads the process settings of every binary from the
// environment. Business rules are not here: they live in the mapping file
// (BRIDGE_MAPPING_FILE). Secrets come only from the environment and are
// never logged.
package settings

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/tracing"
	"github.com/xecm-bridge/xecm-bridge/rendition/pdfa"
)

// Temporal is how to reach the Temporal service (local dev server or Cloud).
type Temporal struct {
	Address   string `envconfig:"TEMPORAL_ADDRESS" default:"localhost:7233"`
	Namespace string `envconfig:"TEMPORAL_NAMESPACE" default:"default"`
	APIKey    string `envconfig:"TEMPORAL_API_KEY"`  // Temporal Cloud API key (implies TLS)
	TLSCert   string `envconfig:"TEMPORAL_TLS_CERT"` // mTLS client certificate file
	TLSKey    string `envconfig:"TEMPORAL_TLS_KEY"`  // mTLS client key file
	// Server TLS without a client certificate (self-hosted clusters). A CA
	// or server name implies TLS; both also apply with mTLS or an API key.
	TLS           bool   `envconfig:"TEMPORAL_TLS"`             // TLS, verified against the system roots
	TLSCA         string `envconfig:"TEMPORAL_TLS_CA"`          // PEM file of the CA(s) that signed the server certificate, instead of the system roots
	TLSServerName string `envconfig:"TEMPORAL_TLS_SERVER_NAME"` // name the server certificate is verified against (and SNI)
	UIURL         string `envconfig:"TEMPORAL_UI_URL" default:"http://localhost:8233"`
	Codec
}

// Codec holds the payload encryption keys every process uses (empty: no
// encryption). Format: "id:base64key,id:base64key", 32-byte AES-256 keys,
// the first one encrypts, all decrypt. A secret: never logged.
type Codec struct {
	Keys string `envconfig:"BRIDGE_CODEC_KEYS"`
}

// CodecServer configures `go run ./codec-server`, which decodes payloads
// for the Temporal Web UI and CLI (it also reads Codec).
type CodecServer struct {
	Addr                 string   `envconfig:"BRIDGE_CODEC_ADDR" default:"127.0.0.1:8089"`
	CORSOrigins          []string `envconfig:"BRIDGE_CODEC_CORS_ORIGINS" default:"http://localhost:8233,http://127.0.0.1:8233"`
	AuthToken            string   `envconfig:"BRIDGE_CODEC_AUTH_TOKEN"`            // bearer token requests must carry
	AllowUnauthenticated bool     `envconfig:"BRIDGE_CODEC_ALLOW_UNAUTHENTICATED"` // local development only
	TLSCert              string   `envconfig:"BRIDGE_CODEC_TLS_CERT"`              // serve HTTPS with this certificate and key
	TLSKey               string   `envconfig:"BRIDGE_CODEC_TLS_KEY"`
}

// Confluence is how to reach Confluence.
type Confluence struct {
	BaseURL  string `envconfig:"CONFLUENCE_BASE_URL" default:"http://127.0.0.1:8090"`
	Flavor   string `envconfig:"CONFLUENCE_FLAVOR" default:"cloud"` // cloud or datacenter
	Email    string `envconfig:"CONFLUENCE_EMAIL"`
	APIToken string `envconfig:"CONFLUENCE_API_TOKEN"`
	Token    string `envconfig:"CONFLUENCE_TOKEN"` // Bearer: DC personal access token or OAuth token
}

// OpenText is how to reach OTCS.
type OpenText struct {
	BaseURL  string `envconfig:"OTCS_BASE_URL" default:"http://127.0.0.1:8091/otcs/cs.exe"`
	Username string `envconfig:"OTCS_USERNAME"`
	Password string `envconfig:"OTCS_PASSWORD"`
	Domain   string `envconfig:"OTCS_DOMAIN"`
}

// HTTP tunes both backend clients.
type HTTP struct {
	Timeout      time.Duration `envconfig:"BRIDGE_HTTP_TIMEOUT" default:"0"` // per request; 0 = none (uploads can be long)
	RetryMax     int           `envconfig:"BRIDGE_HTTP_RETRY_MAX" default:"4"`
	RetryWaitMin time.Duration `envconfig:"BRIDGE_HTTP_RETRY_WAIT_MIN" default:"200ms"`
	RetryWaitMax time.Duration `envconfig:"BRIDGE_HTTP_RETRY_WAIT_MAX" default:"30s"`
}

// Worker tunes a worker process.
type Worker struct {
	Queues                string  `envconfig:"BRIDGE_WORKER_QUEUES" default:"all"` // workflows,confluence,opentext or all
	MappingFile           string  `envconfig:"BRIDGE_MAPPING_FILE" default:"mapping.yaml"`
	ConfluenceRate        float64 `envconfig:"BRIDGE_CONFLUENCE_RATE" default:"10"` // activities/s across all workers (server-enforced)
	OpenTextRate          float64 `envconfig:"BRIDGE_OPENTEXT_RATE" default:"10"`
	ConfluenceConcurrency int     `envconfig:"BRIDGE_CONFLUENCE_CONCURRENCY" default:"8"` // activities at once in this worker
	OpenTextConcurrency   int     `envconfig:"BRIDGE_OPENTEXT_CONCURRENCY" default:"4"`
	WorkflowConcurrency   int     `envconfig:"BRIDGE_WORKFLOW_CONCURRENCY" default:"50"`
	// How long a stopping worker lets running activities finish before it
	// cancels them (keep it below the pod's grace period).
	StopTimeout time.Duration `envconfig:"BRIDGE_WORKER_STOP_TIMEOUT" default:"2m"`
	Versioning
}

// Versioning puts the workers into a Temporal Worker Deployment
// (docs/kubernetes.md#rollouts): every worker of the process polls as the
// version DeploymentName + BuildID, and workflows stay on the version they
// started on. Both empty (the default): unversioned, as `make demo` runs.
// The names are the ones the Temporal Worker Controller sets in the pods
// it creates, so its rollouts need no mapping.
type Versioning struct {
	DeploymentName string `envconfig:"TEMPORAL_DEPLOYMENT_NAME"` // e.g. records/bridge-worker-workflows
	BuildID        string `envconfig:"TEMPORAL_WORKER_BUILD_ID"` // e.g. the image tag
}

// Enabled reports whether the workers are versioned; one of the two
// without the other is an error, not a silent unversioned start.
func (v Versioning) Enabled() (bool, error) {
	switch {
	case v.DeploymentName == "" && v.BuildID == "":
		return false, nil
	case v.DeploymentName == "" || v.BuildID == "":
		return false, fmt.Errorf("settings: TEMPORAL_DEPLOYMENT_NAME and TEMPORAL_WORKER_BUILD_ID are set together or not at all (got %q and %q)", v.DeploymentName, v.BuildID)
	case strings.ContainsAny(v.DeploymentName, ".:"):
		// The server joins name and build id with them into version ids.
		return false, fmt.Errorf("settings: TEMPORAL_DEPLOYMENT_NAME %q may not contain '.' or ':'", v.DeploymentName)
	}
	return true, nil
}

// Render configures PDF renditions (mapping rendition: pdf): where
// Chromium and Ghostscript are, the limits of one render, and how many
// bytes of attachments are embedded in the PDF before they are filed
// beside it instead.
type Render struct {
	Chromium     string        `envconfig:"BRIDGE_CHROMIUM"`    // "" = chromium (or chromium-browser, google-chrome) in PATH
	Ghostscript  string        `envconfig:"BRIDGE_GHOSTSCRIPT"` // "" = gs in PATH
	Timeout      time.Duration `envconfig:"BRIDGE_RENDER_TIMEOUT" default:"2m"`
	MaxMemoryMB  int64         `envconfig:"BRIDGE_RENDER_MAX_MEMORY_MB" default:"2048"` // Chromium's process tree (shared pages once), and Ghostscript
	MaxOutputMB  int64         `envconfig:"BRIDGE_RENDER_MAX_OUTPUT_MB" default:"512"`
	EmbedLimitMB int64         `envconfig:"BRIDGE_PDF_EMBED_LIMIT_MB" default:"50"` // attachments up to this total are embedded (PDF/A-3)
	WorkDir      string        `envconfig:"BRIDGE_RENDER_DIR"`                      // scratch space; "" = the system temp dir
}

// PDF is the activities' view of the render settings.
func (r Render) PDF() activities.PDFSettings {
	return activities.PDFSettings{
		EmbedLimit: r.EmbedLimitMB << 20,
		Limits:     pdfa.Limits{Timeout: r.Timeout, MaxMemory: r.MaxMemoryMB << 20, MaxOutput: r.MaxOutputMB << 20},
		Chromium:   r.Chromium, Ghostscript: r.Ghostscript, WorkDir: r.WorkDir,
	}
}

// Webhook configures the webhook receiver.
type Webhook struct {
	Addr             string `envconfig:"BRIDGE_WEBHOOK_ADDR" default:":8088"`
	Secret           string `envconfig:"BRIDGE_WEBHOOK_SECRET"`            // HMAC secret set on the Data Center webhook
	AutomationSecret string `envconfig:"BRIDGE_WEBHOOK_AUTOMATION_SECRET"` // X-Automation-Secret of Cloud Automation rules
	MaxBody          int64  `envconfig:"BRIDGE_WEBHOOK_MAX_BODY" default:"65536"`
	// Older deliveries, by their own timestamp, are ignored; 0 means the
	// default. Keep it well below the Temporal namespace's retention.
	MaxAge       time.Duration `envconfig:"BRIDGE_WEBHOOK_MAX_AGE" default:"1h"`
	IgnoreActors []string      `envconfig:"BRIDGE_WEBHOOK_IGNORE_ACTORS"` // the bridge's userKey / accountId
}

// Reconcile configures the reconciliation schedule.
type Reconcile struct {
	Every    time.Duration `envconfig:"BRIDGE_RECONCILE_EVERY" default:"5m"`
	Lookback time.Duration `envconfig:"BRIDGE_RECONCILE_LOOKBACK" default:"24h"`
	// StatusEvery: every how many runs the records' status (RM data,
	// holds, disposal) is swept onto their pages; each sweep reads every
	// published page's record once (docs/record-life.md).
	StatusEvery int `envconfig:"BRIDGE_RECONCILE_STATUS_EVERY" default:"12"`
}

// Documents configures the Schedule of the OpenText → Confluence change
// feed (SyncDocuments).
type Documents struct {
	Every     time.Duration `envconfig:"BRIDGE_DOCUMENTS_EVERY" default:"10m"`
	FullEvery int           `envconfig:"BRIDGE_DOCUMENTS_FULL_EVERY" default:"24"` // every Nth run is a full sweep; 0 = never
}

// Templates configures the Schedule of the template feed (SyncTemplates).
type Templates struct {
	Every     time.Duration `envconfig:"BRIDGE_TEMPLATES_EVERY" default:"30m"`
	FullEvery int           `envconfig:"BRIDGE_TEMPLATES_FULL_EVERY" default:"24"` // every Nth run is a full sweep; 0 = never
}

// Permissions configures the Schedule of the permission sweep
// (SyncPermissions): OTCS permission changes leave no modify date, so the
// change feed does not see them.
type Permissions struct {
	Every time.Duration `envconfig:"BRIDGE_PERMISSIONS_EVERY" default:"1h"`
}

// Metrics says where a process serves Prometheus metrics and /healthz.
// The address is used exactly as given; the default is loopback only, so
// exposing metrics (e.g. 0.0.0.0:9464 in a container) is a deliberate
// choice.
type Metrics struct {
	Addr string `envconfig:"BRIDGE_METRICS_ADDR" default:"127.0.0.1:9464"` // host:port, or "off"
}

// Logging sets the log level (debug, info, warn, error).
type Logging struct {
	Level string `envconfig:"BRIDGE_LOG_LEVEL" default:"info"`
}

// Tracing is the standard OpenTelemetry environment (OTEL_*) the workers,
// the webhook receiver and the starter honour: traces are sent only when
// an OTLP endpoint is set (internal/tracing).
type Tracing = tracing.Settings

// Load fills any of the structs above from the environment.
func Load(specs ...any) error {
	for _, s := range specs {
		if err := envconfig.Process("", s); err != nil {
			return fmt.Errorf("settings: %w", err)
		}
	}
	return nil
}

// ConfluenceClient builds the Confluence client from settings.
func ConfluenceClient(c Confluence, h HTTP) (*confluence.Client, error) {
	return confluence.New(confluence.Config{
		BaseURL: c.BaseURL, Flavor: confluence.Flavor(strings.ToLower(c.Flavor)),
		Email: c.Email, APIToken: c.APIToken, Token: c.Token,
		HTTPClient: h.client(), Retry: h.retry(), UserAgent: "xecm-bridge",
	})
}

// OpenTextClient builds the OTCS client from settings.
func OpenTextClient(o OpenText, h HTTP) (*opentext.Client, error) {
	return opentext.New(opentext.Config{
		BaseURL: o.BaseURL, Username: o.Username, Password: o.Password, Domain: o.Domain,
		HTTPClient: h.client(), Retry: h.retry(), UserAgent: "xecm-bridge",
	})
}

func (h HTTP) retry() rest.RetryConfig {
	return rest.RetryConfig{Max: h.RetryMax, WaitMin: h.RetryWaitMin, WaitMax: h.RetryWaitMax}
}

func (h HTTP) client() *http.Client {
	return &http.Client{Timeout: h.Timeout}
}

// Simulators configures `go run ./simulators`.
type Simulators struct {
	ConfluenceAddr   string `envconfig:"CONFLUENCE_SIM_ADDR" default:"127.0.0.1:8090"`
	OpenTextAddr     string `envconfig:"OPENTEXT_SIM_ADDR" default:"127.0.0.1:8091"`
	ConfluenceFaults string `envconfig:"CONFLUENCE_SIM_FAULTS"`
	OpenTextFaults   string `envconfig:"OPENTEXT_SIM_FAULTS"`
	ConfluenceURL    string `envconfig:"CONFLUENCE_SIM_PUBLIC_URL"` // origin in links the simulator hands out; default http://<addr>
}

// Names lists every environment variable the binaries read, for checks
// such as "docker-compose.yml sets only variables that exist".
func Names() []string {
	var out []string
	for _, s := range []any{Temporal{}, Confluence{}, OpenText{}, HTTP{}, Worker{}, Render{}, Webhook{}, Reconcile{}, Documents{}, Templates{}, Permissions{}, Metrics{}, Logging{}, Simulators{}, CodecServer{}, Tracing{}} {
		out = appendNames(out, reflect.TypeOf(s))
	}
	return out
}

func appendNames(out []string, t reflect.Type) []string {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if tag := f.Tag.Get("envconfig"); tag != "" {
			out = append(out, tag)
		} else if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = appendNames(out, f.Type) // embedded, e.g. Codec in Temporal
		}
	}
	return out
}
