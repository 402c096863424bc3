// Package logging sets up zerolog JSON logs and adapts them to the Temporal
// SDK's logger interface, so SDK and bridge logs share one format.
package logging

import (
	"fmt"
	"io"
	"os"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/log"
)

// New returns a JSON logger at the given level (debug, info, warn, error)
// writing to w (stderr when nil).
func New(level string, w io.Writer) (zerolog.Logger, error) {
	if w == nil {
		w = os.Stderr
	}
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		return zerolog.Logger{}, fmt.Errorf("BRIDGE_LOG_LEVEL %q: use debug, info, warn or error", level)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// Temporal adapts a zerolog logger to go.temporal.io/sdk/log.Logger.
type Temporal struct {
	zl zerolog.Logger
}

// NewTemporal wraps zl for the SDK.
func NewTemporal(zl zerolog.Logger) *Temporal { return &Temporal{zl: zl} }

var (
	_ log.Logger     = (*Temporal)(nil)
	_ log.WithLogger = (*Temporal)(nil)
)

func (t *Temporal) write(e *zerolog.Event, msg string, keyvals []any) {
	for i := 0; i < len(keyvals); i += 2 {
		key, ok := keyvals[i].(string)
		if !ok {
			key = fmt.Sprint(keyvals[i])
		}
		if i+1 >= len(keyvals) {
			e = e.Interface("extra", keyvals[i])
			break
		}
		if err, isErr := keyvals[i+1].(error); isErr {
			e = e.AnErr(key, err)
			continue
		}
		e = e.Interface(key, keyvals[i+1])
	}
	e.Msg(msg)
}

// Debug logs at debug level.
func (t *Temporal) Debug(msg string, keyvals ...any) { t.write(t.zl.Debug(), msg, keyvals) }

// Info logs at info level.
func (t *Temporal) Info(msg string, keyvals ...any) { t.write(t.zl.Info(), msg, keyvals) }

// Warn logs at warn level.
func (t *Temporal) Warn(msg string, keyvals ...any) { t.write(t.zl.Warn(), msg, keyvals) }

// Error logs at error level.
func (t *Temporal) Error(msg string, keyvals ...any) { t.write(t.zl.Error(), msg, keyvals) }

// With returns a logger that adds keyvals to every entry.
func (t *Temporal) With(keyvals ...any) log.Logger {
	ctx := t.zl.With()
	for i := 0; i+1 < len(keyvals); i += 2 {
		ctx = ctx.Interface(fmt.Sprint(keyvals[i]), keyvals[i+1])
	}
	return &Temporal{zl: ctx.Logger()}
}
