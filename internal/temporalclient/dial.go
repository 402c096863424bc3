// Package temporalclient dials Temporal from settings: a local dev server
// in plain text, a self-hosted cluster over TLS (optionally with a custom
// CA), or Temporal Cloud with an API key or mTLS; with payload encryption
// when BRIDGE_CODEC_KEYS is set.
package temporalclient

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/xecm-bridge/xecm-bridge/internal/codec"
	"github.com/xecm-bridge/xecm-bridge/internal/metrics"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/tracing"
)

// Options builds client options from settings. metrics may be nil.
//
// Transport: plain text (local dev server); server TLS with the system
// roots or a custom CA (TEMPORAL_TLS, TEMPORAL_TLS_CA,
// TEMPORAL_TLS_SERVER_NAME); mTLS (TEMPORAL_TLS_CERT/KEY); or an API key
// (TEMPORAL_API_KEY). The CA and server name apply to the latter two as
// well. With BRIDGE_CODEC_KEYS set, every payload and failure message is
// encrypted (internal/codec). With tracing on (tracing.Setup), the client
// and its workers trace every start and run (tracing.Interceptors).
func Options(s settings.Temporal, logger log.Logger, metrics client.MetricsHandler) (client.Options, error) {
	opts := client.Options{HostPort: s.Address, Namespace: s.Namespace, Logger: logger, MetricsHandler: metrics}
	host := strings.Split(s.Address, ":")[0]
	cloud := strings.HasSuffix(host, ".tmprl.cloud") || strings.HasSuffix(host, ".api.temporal.io")
	var tlsConfig *tls.Config
	switch {
	case s.APIKey != "" && (s.TLSCert != "" || s.TLSKey != ""):
		return opts, fmt.Errorf("set either TEMPORAL_API_KEY or TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY, not both")
	case s.APIKey != "":
		if s.Namespace == "default" || s.Namespace == "" {
			return opts, fmt.Errorf("TEMPORAL_API_KEY is set but TEMPORAL_NAMESPACE is not: Temporal Cloud needs the namespace (e.g. myns.a1b2c)")
		}
		opts.Credentials = client.NewAPIKeyStaticCredentials(s.APIKey)
		tlsConfig = &tls.Config{}
	case s.TLSCert != "" || s.TLSKey != "":
		cert, err := tls.LoadX509KeyPair(s.TLSCert, s.TLSKey)
		if err != nil {
			return opts, fmt.Errorf("TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	case cloud:
		return opts, fmt.Errorf("TEMPORAL_ADDRESS %s is Temporal Cloud: set TEMPORAL_API_KEY or TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY", s.Address)
	case s.TLS || s.TLSCA != "" || s.TLSServerName != "":
		tlsConfig = &tls.Config{}
	}
	if tlsConfig != nil {
		if s.TLSCA != "" {
			pool, err := LoadCA(s.TLSCA)
			if err != nil {
				return opts, err
			}
			tlsConfig.RootCAs = pool
		}
		tlsConfig.ServerName = s.TLSServerName
		opts.ConnectionOptions.TLS = tlsConfig
	}
	// With tracing on (internal/tracing), starts, runs and activities are
	// spans, the trace context travels in the Temporal headers, and
	// workers made from this client trace too.
	opts.Interceptors = append(opts.Interceptors, tracing.Interceptors()...)
	if s.Codec.Keys != "" {
		c, err := codec.FromEnv(s.Codec.Keys)
		if err != nil {
			return opts, err
		}
		opts.DataConverter = codec.DataConverter(c)
		opts.FailureConverter = codec.FailureConverter(opts.DataConverter)
	}
	return opts, nil
}

// LoadCA reads a PEM file of one or more CA certificates (TEMPORAL_TLS_CA).
func LoadCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_TLS_CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("TEMPORAL_TLS_CA: %s holds no PEM certificate (want the CA certificate that signed the Temporal frontend's, -----BEGIN CERTIFICATE-----)", path)
	}
	return pool, nil
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
