package temporalclient_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/xecm-bridge/xecm-bridge/internal/codec"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
)

// pki is a throw-away CA with a server certificate for
// temporal.internal and a client certificate, as PEM files.
type pki struct {
	caFile, clientCert, clientKey string
	server                        tls.Certificate
}

func newPKI(t *testing.T) pki {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bridge test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, usage x509.ExtKeyUsage, dns ...string) ([]byte, []byte) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"}, DNSNames: dns,
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, _ := x509.MarshalECPrivateKey(key)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	}
	p := pki{caFile: filepath.Join(dir, "ca.pem"), clientCert: filepath.Join(dir, "client.pem"), clientKey: filepath.Join(dir, "client.key")}
	write := func(path string, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(p.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	cc, ck := leaf(2, x509.ExtKeyUsageClientAuth)
	write(p.clientCert, cc)
	write(p.clientKey, ck)
	sc, sk := leaf(3, x509.ExtKeyUsageServerAuth, "temporal.internal")
	if p.server, err = tls.X509KeyPair(sc, sk); err != nil {
		t.Fatal(err)
	}
	return p
}

// handshake dials a TLS listener serving p.server with cfg, as gRPC would.
func handshake(t *testing.T, p pki, cfg *tls.Config) error {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{p.server}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err == nil {
			_ = conn.(*tls.Conn).Handshake()
			conn.Close()
		}
	}()
	conn, err := tls.Dial("tcp", ln.Addr().String(), cfg.Clone())
	if err != nil {
		return err
	}
	return conn.Close()
}

func options(t *testing.T, s settings.Temporal) client.Options {
	t.Helper()
	if s.Address == "" {
		s.Address = "temporal.internal:7233"
	}
	if s.Namespace == "" {
		s.Namespace = "default"
	}
	opts, err := temporalclient.Options(s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

func TestPlainByDefault(t *testing.T) {
	opts := options(t, settings.Temporal{Address: "localhost:7233"})
	if opts.ConnectionOptions.TLS != nil || opts.Credentials != nil || opts.DataConverter != nil || opts.FailureConverter != nil {
		t.Fatalf("local dev server options are not plain: %+v", opts.ConnectionOptions.TLS)
	}
}

func TestServerTLSWithSystemRoots(t *testing.T) {
	cfg := options(t, settings.Temporal{TLS: true}).ConnectionOptions.TLS
	if cfg == nil || cfg.RootCAs != nil || len(cfg.Certificates) != 0 || cfg.InsecureSkipVerify {
		t.Fatalf("TEMPORAL_TLS=true: %+v", cfg)
	}
	// Our private CA is not in the system roots: the handshake must fail.
	if err := handshake(t, newPKI(t), &tls.Config{ServerName: "temporal.internal", RootCAs: cfg.RootCAs}); err == nil {
		t.Fatal("a server certificate of an unknown CA was accepted")
	}
}

func TestServerTLSWithCustomCAAndServerName(t *testing.T) {
	p := newPKI(t)
	// A CA alone implies TLS; the address is an IP, the certificate names
	// temporal.internal: TEMPORAL_TLS_SERVER_NAME bridges the two.
	cfg := options(t, settings.Temporal{Address: "127.0.0.1:7233", TLSCA: p.caFile, TLSServerName: "temporal.internal"}).ConnectionOptions.TLS
	if cfg == nil || cfg.RootCAs == nil || cfg.ServerName != "temporal.internal" || len(cfg.Certificates) != 0 {
		t.Fatalf("tls config = %+v", cfg)
	}
	if err := handshake(t, p, cfg); err != nil {
		t.Fatalf("handshake with the custom CA: %v", err)
	}
	wrongName := cfg.Clone()
	wrongName.ServerName = "other.internal"
	if err := handshake(t, p, wrongName); err == nil || !strings.Contains(err.Error(), "other.internal") {
		t.Fatalf("handshake with the wrong server name: %v", err)
	}
	// Server name alone: TLS with the system roots.
	cfg = options(t, settings.Temporal{TLSServerName: "temporal.internal"}).ConnectionOptions.TLS
	if cfg == nil || cfg.ServerName != "temporal.internal" || cfg.RootCAs != nil {
		t.Fatalf("server name only: %+v", cfg)
	}
}

func TestCAWithMTLSAndAPIKey(t *testing.T) {
	p := newPKI(t)
	cfg := options(t, settings.Temporal{TLSCert: p.clientCert, TLSKey: p.clientKey, TLSCA: p.caFile, TLSServerName: "temporal.internal"}).ConnectionOptions.TLS
	if cfg == nil || len(cfg.Certificates) != 1 || cfg.RootCAs == nil || cfg.ServerName != "temporal.internal" {
		t.Fatalf("mTLS + CA: %+v", cfg)
	}
	if err := handshake(t, p, cfg); err != nil {
		t.Fatalf("mTLS handshake with the custom CA: %v", err)
	}
	opts := options(t, settings.Temporal{APIKey: "key", Namespace: "ns.acct", TLSCA: p.caFile, TLSServerName: "temporal.internal"})
	if opts.Credentials == nil || opts.ConnectionOptions.TLS == nil || opts.ConnectionOptions.TLS.RootCAs == nil || opts.ConnectionOptions.TLS.ServerName != "temporal.internal" {
		t.Fatalf("API key + CA: %+v", opts.ConnectionOptions.TLS)
	}
	// Plain API key / mTLS as before: system roots.
	if cfg := options(t, settings.Temporal{APIKey: "key", Namespace: "ns.acct"}).ConnectionOptions.TLS; cfg == nil || cfg.RootCAs != nil {
		t.Fatalf("API key: %+v", cfg)
	}
}

func TestTLSErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("this is not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := newPKI(t)
	for _, tc := range []struct {
		name string
		s    settings.Temporal
		want string
	}{
		{"missing CA file", settings.Temporal{TLSCA: filepath.Join(dir, "missing.pem")}, "TEMPORAL_TLS_CA"},
		{"CA without PEM certificate", settings.Temporal{TLSCA: notPEM}, "holds no PEM certificate"},
		{"key file as CA", settings.Temporal{TLSCA: p.clientKey}, "holds no PEM certificate"},
		{"bad CA with mTLS", settings.Temporal{TLSCert: p.clientCert, TLSKey: p.clientKey, TLSCA: notPEM}, "TEMPORAL_TLS_CA"},
		{"API key and mTLS", settings.Temporal{APIKey: "k", Namespace: "ns.acct", TLSCert: p.clientCert, TLSKey: p.clientKey}, "not both"},
		{"Cloud with server TLS only", settings.Temporal{Address: "ns.acct.tmprl.cloud:7233", TLS: true}, "is Temporal Cloud"},
	} {
		s := tc.s
		if s.Address == "" {
			s.Address = "temporal.internal:7233"
		}
		if s.Namespace == "" {
			s.Namespace = "default"
		}
		_, err := temporalclient.Options(s, nil, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

func TestCodecKeysTurnOnEncryption(t *testing.T) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	b64 := base64.StdEncoding.EncodeToString(key)
	opts := options(t, settings.Temporal{Codec: settings.Codec{Keys: "k1:" + b64}})
	if opts.DataConverter == nil || opts.FailureConverter == nil {
		t.Fatal("BRIDGE_CODEC_KEYS set but no data or failure converter")
	}
	p, err := opts.DataConverter.ToPayload("Secret Merger Plan")
	if err != nil || !codec.IsEncrypted(p) || string(p.Metadata[codec.MetadataKeyID]) != "k1" {
		t.Fatalf("payload %v, %v", p, err)
	}
	_, err = temporalclient.Options(settings.Temporal{Address: "localhost:7233", Codec: settings.Codec{Keys: "k1:" + b64[:20]}}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "BRIDGE_CODEC_KEYS") || strings.Contains(err.Error(), b64[:20]) {
		t.Fatalf("bad key: %v", err)
	}
}
