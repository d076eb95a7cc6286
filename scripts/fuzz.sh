#!/usr/bin/env bash
# fuzz.sh [SECONDS] runs every native Go fuzz target of pdr-audit for
# SECONDS each (default 10), one after the other, and fails if any finds
# an input that breaks its property. A finding is written by go test to
# internal/<pkg>/testdata/fuzz/<Target>/<hash>: commit it as a regression
# seed with the fix.
#
# Plain `go test ./...` already replays every target's seeds and committed
# corpus; this script searches for new inputs. Targets run one at a time
# with as many workers as GOMAXPROCS allows (set FUZZ_PARALLEL to
# override). New interesting inputs are minimized for at most 100 runs:
# minimizing one derived from a large seed for go test's default of 60 s
# would stall the search.
set -euo pipefail

seconds="${1:-10}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: scripts/fuzz.sh [SECONDS]  (a positive whole number; default 10)" >&2
	exit 2
fi

cd "$(dirname "$0")/.."

# package target: every parser of untrusted input, and the reachability
# engine on random topologies.
targets=(
	"./internal/model FuzzDecode"
	"./internal/remediate FuzzDecodePlan"
	"./internal/remediate FuzzDecodeJournal"
	"./internal/config FuzzParse"
	"./internal/finding FuzzParseWaivers"
	"./internal/report FuzzParseBaseline"
	"./internal/awssim FuzzParseDoc"
	"./internal/awssim FuzzLoadEstate"
	"./internal/netpath FuzzReach"
)

parallel=()
if [[ -n "${FUZZ_PARALLEL:-}" ]]; then
	parallel=(-parallel "$FUZZ_PARALLEL")
fi

failed=()
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	echo "== $name ($pkg), ${seconds}s"
	# go test fuzzes nothing, and passes, when no target matches: a renamed
	# target must fail here instead.
	listed="$(go test "$pkg" -list "^${name}\$")" || listed=""
	if ! grep -qx "$name" <<<"$listed"; then
		echo "FAIL: $pkg has no fuzz target $name" >&2
		failed+=("$name")
		continue
	fi
	if ! go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "${seconds}s" -fuzzminimizetime 100x "${parallel[@]}"; then
		echo "FAIL: $name ($pkg): see $pkg/testdata/fuzz/$name/ for the input" >&2
		failed+=("$name")
	fi
done
if [[ ${#failed[@]} -ne 0 ]]; then
	echo "fuzz: ${#failed[@]} of ${#targets[@]} targets failed: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s each without a finding"
