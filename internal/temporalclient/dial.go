// Package temporalclient dials Temporal from settings: a local dev server
// in plain text, or Temporal Cloud with an API key or mTLS.
package temporalclient

import (
	"crypto/tls"
	"fmt"
	"strings"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/xecm-bridge/xecm-bridge/internal/metrics"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
)

// Options builds client options from settings. metrics may be nil.
func Options(s settings.Temporal, logger log.Logger, metrics client.MetricsHandler) (client.Options, error) {
	opts := client.Options{HostPort: s.Address, Namespace: s.Namespace, Logger: logger, MetricsHandler: metrics}
	switch {
	case s.APIKey != "" && s.TLSCert != "":
		return opts, fmt.Errorf("set either TEMPORAL_API_KEY or TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY, not both")
	case s.APIKey != "":
		if s.Namespace == "default" || s.Namespace == "" {
			return opts, fmt.Errorf("TEMPORAL_API_KEY is set but TEMPORAL_NAMESPACE is not: Temporal Cloud needs the namespace (e.g. myns.a1b2c)")
		}
		opts.Credentials = client.NewAPIKeyStaticCredentials(s.APIKey)
		opts.ConnectionOptions.TLS = &tls.Config{}
	case s.TLSCert != "" || s.TLSKey != "":
		cert, err := tls.LoadX509KeyPair(s.TLSCert, s.TLSKey)
		if err != nil {
			return opts, fmt.Errorf("TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: %w", err)
		}
		opts.ConnectionOptions.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	case strings.HasSuffix(strings.Split(s.Address, ":")[0], ".tmprl.cloud") || strings.HasSuffix(strings.Split(s.Address, ":")[0], ".api.temporal.io"):
		return opts, fmt.Errorf("TEMPORAL_ADDRESS %s is Temporal Cloud: set TEMPORAL_API_KEY or TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY", s.Address)
	}
	return opts, nil
}

// Dial connects to Temporal. metrics may be nil.
func Dial(s settings.Temporal, logger log.Logger, metrics client.MetricsHandler) (client.Client, error) {
	opts, err := Options(s, logger, metrics)
	if err != nil {
		return nil, err
	}
	c, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", s.Address, s.Namespace, err)
	}
	return c, nil
}

// WorkflowURL is the Web UI link of a workflow.
func WorkflowURL(s settings.Temporal, workflowID string) string {
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", strings.TrimRight(s.UIURL, "/"), s.Namespace, pathEscape(workflowID))
}

func pathEscape(s string) string {
	return strings.NewReplacer("/", "%2F", " ", "%20", "#", "%23", "?", "%3F").Replace(s)
}

// DialWithMetrics serves the process's Prometheus metrics on metricsAddr
// and connects to Temporal with the SDK reporting there. Close both when
// done (the returned func does).
func DialWithMetrics(s settings.Temporal, logger log.Logger, metricsAddr string) (client.Client, *metrics.Server, func(), error) {
	ms, err := metrics.Start(metricsAddr)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := Dial(s, logger, ms.Handler)
	if err != nil {
		ms.Close()
		return nil, nil, nil, err
	}
	return c, ms, func() { c.Close(); ms.Close() }, nil
}
