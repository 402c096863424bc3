// Command codec-server decodes the bridge's encrypted Temporal payloads for
// operators: point the Web UI's codec endpoint (or the Temporal CLI's
// --codec-endpoint) at it to read histories in clear.
//
//	BRIDGE_CODEC_KEYS=... BRIDGE_CODEC_AUTH_TOKEN=... go run ./codec-server
//
// It serves POST /encode and /decode (under any prefix, e.g.
// /default/decode) with CORS for BRIDGE_CODEC_CORS_ORIGINS and a bearer
// token check, and GET /healthz. Settings: see the environment table in
// docs/configuration.md (BRIDGE_CODEC_*).
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/xecm-bridge/xecm-bridge/internal/codec"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "codec-server:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		kc settings.Codec
		sc settings.CodecServer
		lc settings.Logging
	)
	if err := settings.Load(&kc, &sc, &lc); err != nil {
		return err
	}
	zl, err := logging.New(lc.Level, nil)
	if err != nil {
		return err
	}
	handler, c, err := newHandler(kc, sc, &zl)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", sc.Addr)
	if err != nil {
		return fmt.Errorf("BRIDGE_CODEC_ADDR %s: %w", sc.Addr, err)
	}
	if sc.AuthToken == "" && !loopback(ln.Addr()) {
		_ = ln.Close()
		return fmt.Errorf("BRIDGE_CODEC_ALLOW_UNAUTHENTICATED=true serves decrypted payloads to anyone who reaches it, so it binds a loopback address only (BRIDGE_CODEC_ADDR=127.0.0.1:%d), not %s; set BRIDGE_CODEC_AUTH_TOKEN to listen elsewhere",
			portOf(ln.Addr()), ln.Addr())
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	scheme := "http"
	if sc.TLSCert != "" {
		scheme = "https"
	}
	logStart(zl, scheme, ln.Addr().String(), c, sc)

	errc := make(chan error, 1)
	go func() {
		if sc.TLSCert != "" {
			errc <- srv.ServeTLS(ln, sc.TLSCert, sc.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// newHandler checks the settings and builds the codec and its HTTP handler.
func newHandler(kc settings.Codec, sc settings.CodecServer, zl *zerolog.Logger) (http.Handler, *codec.Codec, error) {
	if kc.Keys == "" {
		return nil, nil, fmt.Errorf("%s is not set: the codec server needs the same keys as the workers", codec.EnvKeys)
	}
	c, err := codec.FromEnv(kc.Keys)
	if err != nil {
		return nil, nil, err
	}
	if (sc.TLSCert == "") != (sc.TLSKey == "") {
		return nil, nil, errors.New("set both BRIDGE_CODEC_TLS_CERT and BRIDGE_CODEC_TLS_KEY, or neither")
	}
	handler, err := codec.HTTPHandler(c, codec.ServerOptions{
		Origins: sc.CORSOrigins, Token: sc.AuthToken, AllowUnauthenticated: sc.AllowUnauthenticated, Logger: zl,
	})
	if err != nil {
		return nil, nil, err
	}
	return handler, c, nil
}

// logStart names the key ids and origins, never keys or the token.
func logStart(zl zerolog.Logger, scheme, addr string, c *codec.Codec, sc settings.CodecServer) {
	zl.Info().Str("endpoint", scheme+"://"+addr).Str("currentKeyId", c.CurrentKeyID()).
		Strs("keyIds", c.KeyIDs()).Str("corsOrigins", strings.Join(sc.CORSOrigins, ",")).
		Bool("auth", sc.AuthToken != "").Msg("codec server listening")
}

// loopback reports whether addr is a loopback address (127.0.0.0/8, ::1):
// one only processes on this machine can reach.
func loopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

func portOf(addr net.Addr) int {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		return tcp.Port
	}
	return 0
}
