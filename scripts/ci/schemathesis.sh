#!/usr/bin/env bash
# The OpenAPI description checked by an outside tool (README "The OpenAPI description"):
# schemathesis, pinned in scripts/ci/schemathesis-requirements.txt and installed in a
# virtualenv under .cache, runs every check against a server this script starts
# (scripts/ci/schemathesis-server.ts: a fresh embedded database, one web process with an
# operator token, one account logged in). Operations marked `x-ends-session` in the
# description (POST /logout) are left out, so that the whole run is logged in; afterwards
# the session must still work. Exits non-zero on any failure; the server is stopped
# whatever happens.
#
# SCHEMATHESIS_MAX_EXAMPLES (default 100) bounds the cases per operation and per phase;
# SCHEMATHESIS_SEED repeats a run (schemathesis prints the seed of each run).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
venv="$root/.cache/schemathesis-venv"
requirements="$root/scripts/ci/schemathesis-requirements.txt"
workdir="$root/.cache/schemathesis" # hypothesis' example database and schemathesis' cache
server_log="$workdir/server.log"
started=$(date +%s)

# The virtualenv is made again whenever the pinned requirements change.
wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/schemathesis" ] || [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$wanted" ]; then
  echo "making $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$wanted" >"$venv/.requirements.sha256"
fi
"$venv/bin/schemathesis" --version

mkdir -p "$workdir"
info=$(mktemp)
node --import tsx scripts/ci/schemathesis-server.ts >"$info" 2>"$server_log" &
server=$!
stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$info"
}
trap stop_server EXIT

for _ in $(seq 1 240); do
  grep -qx READY "$info" && break
  if ! kill -0 "$server" 2>/dev/null; then break; fi
  sleep 0.5
done
if ! grep -qx READY "$info"; then
  echo "the server did not start; its log ($server_log) ends with:" >&2
  tail -n 30 "$server_log" >&2
  exit 1
fi
value() { sed -n "s/^$1=//p" "$info"; }
base=$(value BASE_URL)
SESSION=$(value SESSION)
OPERATOR_TOKEN=$(value OPERATOR_TOKEN)
export SESSION OPERATOR_TOKEN # read by scripts/ci/schemathesis.toml

# "METHOD /path" of each operation that would end the run's session.
mapfile -t ending < <("$venv/bin/python" - "$base/openapi.json" <<'EOF'
import json, sys, urllib.request
doc = json.load(urllib.request.urlopen(sys.argv[1]))
for path, item in doc["paths"].items():
    for method, operation in item.items():
        if operation.get("x-ends-session"):
            print(f"{method.upper()} {path}")
EOF
)
exclude=()
for name in "${ending[@]}"; do exclude+=(--exclude-name "$name"); done
echo "left out (they end the session): ${ending[*]}"

seed=()
if [ -n "${SCHEMATHESIS_SEED:-}" ]; then seed=(--seed "$SCHEMATHESIS_SEED"); fi

# One worker: hypothesis raises the process's recursion limit around each test, and on
# CPython before 3.11.8 and 3.12.2 another thread's ast.parse then fails with "AST
# constructor recursion depth mismatch" (seen once with 2 workers, as a run error).
status=0
(
  cd "$workdir"
  "$venv/bin/schemathesis" --config-file "$root/scripts/ci/schemathesis.toml" run "$base/openapi.json" \
    --checks all "${exclude[@]}" --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-100}" \
    --workers 1 --no-color "${seed[@]}"
) || status=$?

# Every session-protected operation above was tried with this session: it must still be one.
alive=$("$venv/bin/python" - "$base/get_my_status" <<'EOF'
import os, sys, urllib.error, urllib.request
request = urllib.request.Request(sys.argv[1], headers={"Cookie": "session=" + os.environ["SESSION"]})
try:
    print(urllib.request.urlopen(request).status)
except urllib.error.HTTPError as e:
    print(e.code)
EOF
) || true
if [ "$alive" != 200 ]; then
  echo "the run's session no longer works: an operation that ends it was not left out" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "server log: $server_log" >&2
fi
echo "schemathesis check: $([ "$status" -eq 0 ] && echo passed || echo FAILED) in $(($(date +%s) - started)) s"
exit "$status"
