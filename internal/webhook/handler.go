package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/internal/metrics"
	"github.com/xecm-bridge/xecm-bridge/internal/tracing"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/workflows"
)

// Router records an accepted event durably (a RouteEvent run).
type Router interface {
	Route(ctx context.Context, in workflows.RouteEventInput) (workflowID string, existing bool, err error)
}

// DefaultMaxAge is how old a delivery (by its own timestamp) may be when
// Config.MaxAge is 0. Deliveries arrive within seconds; anything a
// delivery misses, reconciliation finds. Keep the window well below the
// Temporal namespace's retention (at least a day): a replay inside the
// window finds the RouteEvent run of the original and starts nothing.
const DefaultMaxAge = time.Hour

// MaxClockSkew is how far in the future a delivery's timestamp may be
// (Confluence's clock ahead of ours).
const MaxClockSkew = 5 * time.Minute

// Config configures the receiver.
type Config struct {
	Secret           string        // HMAC-SHA256 secret of Data Center webhooks (X-Hub-Signature)
	AutomationSecret string        // shared secret of Cloud Automation rules (X-Automation-Secret)
	MaxBody          int64         // larger bodies get 413
	MaxAge           time.Duration // older deliveries (by their timestamp) are ignored; 0 = DefaultMaxAge
	IgnoreActors     []string      // the bridge's own account(s): their edits never start a flow
	Rules            *mapping.Rules
	Router           Router
	Metrics          client.MetricsHandler // nil = none
	Ready            func(context.Context) error
	Logger           *zerolog.Logger // nil = no logs
	Now              func() time.Time
}

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	switch {
	case c.Secret == "" && c.AutomationSecret == "":
		return errors.New("set BRIDGE_WEBHOOK_SECRET (Data Center webhooks) and/or BRIDGE_WEBHOOK_AUTOMATION_SECRET (Cloud Automation): unauthenticated events are never accepted")
	case c.MaxBody <= 0:
		return errors.New("BRIDGE_WEBHOOK_MAX_BODY must be positive")
	case c.MaxAge < 0:
		return errors.New("BRIDGE_WEBHOOK_MAX_AGE must not be negative (0 means the default, " + DefaultMaxAge.String() + ")")
	case c.Rules == nil || c.Router == nil:
		return errors.New("webhook: Rules and Router are required")
	}
	return nil
}

// Answer is the JSON body of every reply.
type Answer struct {
	Status     string `json:"status"` // accepted, ignored, rejected
	Reason     string `json:"reason,omitempty"`
	WorkflowID string `json:"workflowId,omitempty"`
	Existing   bool   `json:"existing,omitempty"`
}

type receiver struct {
	cfg           Config
	log           zerolog.Logger
	ignoreActors  map[string]bool
	bridgeLabels  map[string]bool
	triggerLabels map[string]bool
}

// New returns the receiver's HTTP handler: POST /webhook, GET /healthz,
// GET /readyz.
func New(cfg Config) (http.Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Metrics == nil {
		cfg.Metrics = client.MetricsNopHandler
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	r := &receiver{cfg: cfg, log: zerolog.Nop(), ignoreActors: map[string]bool{}, bridgeLabels: map[string]bool{}, triggerLabels: map[string]bool{}}
	if cfg.Logger != nil {
		r.log = *cfg.Logger
	}
	for _, a := range cfg.IgnoreActors {
		if a = strings.TrimSpace(a); a != "" {
			r.ignoreActors[a] = true
		}
	}
	for _, key := range cfg.Rules.SpaceKeys() {
		s, _ := cfg.Rules.ForSpace(key)
		r.bridgeLabels[s.PublishedLabel] = true
		r.triggerLabels[s.Approval.Label] = true
		if rv := s.Review; rv != nil {
			r.triggerLabels[rv.SubmitLabel] = true
			r.bridgeLabels[rv.ChangesLabel] = true
			r.bridgeLabels[rv.ApprovedLabel] = true
		}
		for _, rr := range s.Records {
			r.bridgeLabels[rr.PublishedLabel] = true
			for _, l := range rr.Labels {
				r.triggerLabels[l] = true
			}
		}
	}
	mux := http.NewServeMux()
	// Each delivery is the root span of its trace (with tracing on): the
	// RouteEvent start below is its child, and through Temporal's headers
	// so is everything the run does.
	mux.Handle("/webhook", tracing.Handler("/webhook", http.HandlerFunc(r.serveEvent)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, req *http.Request) {
		if cfg.Ready != nil {
			ctx, cancel := context.WithTimeout(req.Context(), 3*time.Second)
			defer cancel()
			if err := cfg.Ready(ctx); err != nil {
				// The cause (addresses, TLS details) goes to the log, not
				// to whoever can reach the probe.
				r.log.Warn().Err(err).Msg("Not ready: Temporal health check failed")
				http.Error(w, "not ready", http.StatusServiceUnavailable)
				return
			}
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	return mux, nil
}

func (r *receiver) reply(w http.ResponseWriter, req *http.Request, status int, a Answer, reason string) {
	r.cfg.Metrics.WithTags(map[string]string{"outcome": a.Status, "reason": reason}).Counter(metrics.WebhookEvents).Inc(1)
	trace.SpanFromContext(req.Context()).SetAttributes(attribute.String("xecm.webhook.outcome", a.Status), attribute.String("xecm.webhook.reason", reason))
	e := r.log.Debug()
	switch {
	case status >= 500:
		e = r.log.Warn()
	case a.Status == "rejected":
		e = r.log.Info()
	}
	// X-Atlassian-Webhook-Identifier is logged to correlate with
	// Confluence's delivery log only: no signature covers it, so it never
	// identifies a delivery (see deliveryKey).
	e.Str("outcome", a.Status).Str("reason", reason).Int("status", status).Str("workflow_id", a.WorkflowID).
		Str("atlassian_delivery", clip(req.Header.Get("X-Atlassian-Webhook-Identifier"), 64)).Msg("Webhook delivery")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(a)
}

func (r *receiver) serveEvent(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		r.reply(w, req, http.StatusMethodNotAllowed, Answer{Status: "rejected", Reason: "use POST"}, "method")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.cfg.MaxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		r.reply(w, req, http.StatusRequestEntityTooLarge, Answer{Status: "rejected", Reason: fmt.Sprintf("body over %d bytes", r.cfg.MaxBody)}, "too_large")
		return
	}
	if err != nil {
		r.reply(w, req, http.StatusBadRequest, Answer{Status: "rejected", Reason: "could not read body"}, "unreadable")
		return
	}
	if reason := r.authenticate(req, body); reason != "" {
		r.reply(w, req, http.StatusUnauthorized, Answer{Status: "rejected", Reason: reason}, "unauthenticated")
		return
	}
	ev, err := Parse(body, req.URL.Query().Get("event"))
	if err != nil {
		r.reply(w, req, http.StatusBadRequest, Answer{Status: "rejected", Reason: err.Error()}, "malformed")
		return
	}
	trace.SpanFromContext(req.Context()).SetAttributes(append(tracing.Attributes(ev), attribute.String("xecm.webhook.event", clip(ev.Type, 64)))...)
	if ev.Timestamp <= 0 {
		// Without a timestamp a captured request would never go stale.
		r.reply(w, req, http.StatusBadRequest, Answer{Status: "rejected", Reason: `no "timestamp" (milliseconds since the epoch) in the body: signed deliveries and Automation requests must carry one`}, "no_timestamp")
		return
	}
	if reason, code := r.stale(ev); reason != "" {
		r.reply(w, req, http.StatusOK, Answer{Status: "ignored", Reason: reason}, code)
		return
	}
	if reason, code := r.skip(ev); reason != "" {
		r.reply(w, req, http.StatusOK, Answer{Status: "ignored", Reason: reason}, code)
		return
	}
	ctx, cancel := context.WithTimeout(req.Context(), 10*time.Second)
	defer cancel()
	id, existing, err := r.cfg.Router.Route(ctx, workflows.RouteEventInput{
		PageID: ev.PageID, Event: ev.Type, Actor: ev.Actor, DeliveryID: deliveryKey(body), Label: ev.Label, Timestamp: ev.Timestamp,
	})
	if err != nil {
		// Not lost: reconciliation finds the page on its next run.
		r.reply(w, req, http.StatusServiceUnavailable, Answer{Status: "rejected", Reason: "cannot record the event in Temporal now; reconciliation will pick the page up"}, "temporal")
		return
	}
	r.reply(w, req, http.StatusAccepted, Answer{Status: "accepted", WorkflowID: id, Existing: existing}, "ok")
}

// authenticate returns "" when the delivery is signed by a configured
// secret, or why not.
func (r *receiver) authenticate(req *http.Request, body []byte) string {
	if sig := strings.TrimSpace(req.Header.Get("X-Hub-Signature")); sig != "" {
		if r.cfg.Secret == "" {
			return "signed deliveries are not configured (BRIDGE_WEBHOOK_SECRET)"
		}
		got, err := hex.DecodeString(strings.TrimPrefix(sig, "sha256="))
		mac := hmac.New(sha256.New, []byte(r.cfg.Secret))
		mac.Write(body)
		if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
			return "bad signature"
		}
		return ""
	}
	// Automation cannot sign: the secret is a bearer token, not bound to
	// the body. The required timestamp and MaxAge bound how long a
	// captured request can be replayed as it is; whoever holds the secret
	// can still send anything (docs/triggers.md: use HTTPS, rotate the secret).
	if s := req.Header.Get("X-Automation-Secret"); s != "" {
		if r.cfg.AutomationSecret == "" || subtle.ConstantTimeCompare([]byte(s), []byte(r.cfg.AutomationSecret)) != 1 {
			return "bad automation secret"
		}
		return ""
	}
	return "missing signature (X-Hub-Signature) or automation secret (X-Automation-Secret)"
}

// stale returns why a delivery's timestamp is outside the accepted window
// (older than MaxAge, or further ahead than MaxClockSkew), or "".
func (r *receiver) stale(ev Event) (reason, code string) {
	now, at := r.cfg.Now(), time.UnixMilli(ev.Timestamp)
	switch {
	case now.Sub(at) > r.cfg.MaxAge:
		return fmt.Sprintf("delivery is older than %s (BRIDGE_WEBHOOK_MAX_AGE); reconciliation picks the page up", r.cfg.MaxAge), "stale"
	case at.Sub(now) > MaxClockSkew:
		return fmt.Sprintf("delivery timestamp is more than %s in the future; check the clocks of Confluence and the receiver", MaxClockSkew), "future"
	}
	return "", ""
}

// skip returns why an authentic event starts nothing, or "".
func (r *receiver) skip(ev Event) (reason, code string) {
	switch {
	case !pageEvents[ev.Type] && knownEvents[ev.Type]:
		return fmt.Sprintf("%s does not start a flow", ev.Type), "event_type"
	case !pageEvents[ev.Type]:
		return fmt.Sprintf("unknown event type %q", ev.Type), "unknown_event"
	case r.ignoreActors[ev.Actor]:
		return "the bridge's own edit", "own_edit"
	case ev.Type == activities.EventLabelAdded && r.bridgeLabels[ev.Label]:
		return fmt.Sprintf("label %q is the bridge's own", ev.Label), "own_label"
	case ev.Type == activities.EventLabelAdded && ev.Label != "" && !r.triggerLabels[ev.Label]:
		return fmt.Sprintf("label %q starts no flow", ev.Label), "label"
	case ev.Type == activities.EventLabelRemoved && ev.Label != activities.SourceChangedLabel:
		// Only an editor clearing a document page's source-changed flag
		// matters: the page's panel drops the flag.
		return fmt.Sprintf("removing label %q starts no flow", ev.Label), "label"
	case ev.SpaceKey != "" && !r.watchedSpace(ev.SpaceKey):
		return fmt.Sprintf("space %s is not mapped", ev.SpaceKey), "unmapped_space"
	}
	return "", ""
}

// watchedSpace reports whether events of a space can start anything: a
// mapped space, one scanned for links to OTCS documents, or the space of
// the document pages.
func (r *receiver) watchedSpace(key string) bool {
	rules := r.cfg.Rules
	if _, err := rules.ForSpace(key); err == nil || rules.ScansReferences(key) {
		return true
	}
	return rules.IsBridgePageSpace(key)
}

// deliveryKey identifies a delivery by what its authentication covers: a
// hash of the raw body, which carries the event and its timestamp. A
// retry, a redelivery or a replay of a captured body (even under a new
// X-Atlassian-Webhook-Identifier, a header no signature covers) maps to
// the same RouteEvent id, route:<pageId>:<key>, whose reuse policy makes
// it start nothing again.
func deliveryKey(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:16])
}

// clip cuts s to at most n bytes (for logging untrusted headers).
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
