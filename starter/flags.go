package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
)

// helpError is -h or --help given to a command: run prints usage on
// stdout and exits 0, as a request for help is not a mistake.
type helpError struct{ usage string }

func (e helpError) Error() string { return flag.ErrHelp.Error() }

// Unwrap keeps errors.Is(err, flag.ErrHelp) true for callers that only
// need to know help was asked for.
func (e helpError) Unwrap() error { return flag.ErrHelp }

// newFlags is one command's own flag set: name is the command as typed
// ("retry", "schedule reconcile"), whose synopsis and summary -h prints
// from commandTable. Each command gets a fresh set so that it accepts only
// the flags it reads; a flag meant for another command is a usage error,
// not silently ignored.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	line := usageLine(name) // panics now, not at -h, for a command not in the table
	fs.Usage = func() {
		w := fs.Output()
		io.WriteString(w, line)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			io.WriteString(w, "\nflags:\n")
			fs.PrintDefaults()
		}
	}
	fs.SetOutput(io.Discard)
	return fs
}

// usageText is what fs's -h prints: the usage line and the flags.
func usageText(fs *flag.FlagSet) string {
	var b bytes.Buffer
	fs.SetOutput(&b)
	defer fs.SetOutput(io.Discard)
	fs.Usage()
	return b.String()
}

// usageFor is a command-line mistake found after parsing, reported with
// the command's own usage rather than the whole CLI's.
func usageFor(fs *flag.FlagSet, msg string) error {
	return usageError{msg: msg, usage: usageText(fs)}
}

// parseFlags parses a subcommand's flags, allowing positional arguments
// before or after them. An undefined flag is a usageError naming it.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpError{usageText(fs)}
			}
			return nil, usageFor(fs, err.Error())
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
