#!/usr/bin/env bash
# Builds the workers binary and runs the chaos program: two real worker
# processes SIGKILLed in turn, one dev-server restart, an OTCS outage and
# 429/503 faults while N approved pages are published (scenario c2o) and
# while N approved OTCS documents are synced and edited (o2c); then checks
# the invariants from the simulators' state. Both scenarios run by default
# (--scenario c2o|o2c|both). Prints a Markdown table per scenario and exits
# non-zero on any violation. Flags go to the program (go run ./tools/chaos -h).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(mktemp -d "${TMPDIR:-/tmp}/xecm-chaos-bin.XXXXXX")"
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/" ./workers
go run ./tools/chaos --workers "$bin/workers" "$@"
