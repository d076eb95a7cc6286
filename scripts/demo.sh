#!/usr/bin/env bash
# The demo story on the built-in demo estate: serve it with the simulator,
# audit (failures), plan, show, apply, audit again, write the SARIF and
# HTML reports, and say what changed. Run by `make demo`.
set -euo pipefail

bin=${PDR_AUDIT:-bin/pdr-audit}
out=${DEMO_OUT:-bin/demo}
rm -rf "$out" && mkdir -p "$out"
cp -r testdata/estates/demo "$out/estate"

# Only the simulator's credentials: never a real account.
export AWS_ACCESS_KEY_ID=AKIADEMODEMODEMODEMO AWS_SECRET_ACCESS_KEY=demo AWS_SESSION_TOKEN=
export AWS_REGION=us-east-1 AWS_PROFILE= AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

"$bin" sim serve --estate "$out/estate" >"$out/sim.out" 2>"$out/sim.err" &
sim=$!
trap 'kill $sim 2>/dev/null || true; wait $sim 2>/dev/null || true' EXIT
for _ in $(seq 50); do
	grep -q '^endpoint: ' "$out/sim.out" 2>/dev/null && break
	sleep 0.1
done
endpoint=$(sed -n 's/^endpoint: //p' "$out/sim.out")
[ -n "$endpoint" ] || { echo "the simulator did not start:"; cat "$out/sim.err"; exit 1; }
scope=(--endpoint-url "$endpoint" --regions all --quiet)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# audit exits 3 when something fails: that is the story, not an error.
audit() { "$bin" audit "${scope[@]}" --config examples/demo-remediation.yaml "$@" || [ $? -eq 3 ] || [ $? -eq 4 ]; }

step "1. Audit the demo estate (served by the simulator at $endpoint)"
audit --format json -o "$out/before.json" --output table="$out/before.txt"
head -n 25 "$out/before.txt"
echo "… (full table: $out/before.txt)"

step "2. Plan the fixes (no AWS change yet)"
"$bin" plan "${scope[@]}" --config examples/demo-remediation.yaml --allow-high-risk -o "$out/plan.json" >"$out/plan.txt"
grep -E '^(# c[0-9]|Plan:)' "$out/plan.txt"

step "3. Show one change of the plan"
"$bin" show "$out/plan.json" | sed -n '/^# c001/,/^  }/p'

step "4. Apply it (re-reads every target first, verifies each change, writes a journal)"
"$bin" apply "$out/plan.json" --endpoint-url "$endpoint" --auto-approve 2>&1 >/dev/null | sed 's/^/  /'

step "5. Audit again against the first audit, and write the SARIF and HTML reports"
audit --format table -o "$out/after.txt" --baseline "$out/before.json" --output json="$out/after.json" \
	--output sarif="$out/findings.sarif" --output html="$out/report.html"

step "What changed"
grep '^Plan:' "$out/plan.txt" | sed 's/^/  /'
# The table's last lines: the summary, the comparison with the first
# audit, and each result that was failing and now passes.
sed -n '/^[0-9]* rules, /,$p' "$out/after.txt" | sed 's/^/  /'
echo
echo "Reports: $out/findings.sarif and $out/report.html; plan $out/plan.json (skipped failures list their"
echo "manual steps); journal $out/plan.journal.json. Against a real account, undo an apply with:"
echo "  pdr-audit rollback JOURNAL"
