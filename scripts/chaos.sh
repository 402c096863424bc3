#!/usr/bin/env bash
# Builds the workers binary and runs the chaos program: two real worker
# processes SIGKILLed in turn, one dev-server restart, an OTCS outage and
# ~20 % 429/503 faults while N approved pages are published; then checks
# the invariants from the simulators' state. Prints a Markdown table and
# exits non-zero on any violation. Flags go to the program (go run ./chaos -h).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(mktemp -d "${TMPDIR:-/tmp}/xecm-chaos-bin.XXXXXX")"
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/" ./workers
go run ./chaos --workers "$bin/workers" "$@"
