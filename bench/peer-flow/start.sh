#!/usr/bin/env bash
# Rampart's row in the peer benchmark (../shared/bench-peers/run.sh, "custom"): a fresh data dir
# with an API token and an `http` connection to the mock's alert API, the peer flow as a webhook
# playbook, then `rampart serve` in the foreground (exec, so the harness samples its memory).
#
#   MOCK_URL          the mock's alerts URL, given by the harness (http://127.0.0.1:18080/api/alerts)
#   CUSTOM_ENV_FILE   where the driver's settings are written once set up (given by the harness)
#   PEER_FLOW_LANGUAGE  python (default) or javascript: which script step the flow runs
#   PEER_FLOW_PORT    the port rampart serve listens on (default 18060)
#   PEER_FLOW_CONCURRENCY  runs executed at once (default 16, the driver's highest concurrency)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rampart="$root/bin/rampart"
language=${PEER_FLOW_LANGUAGE:-python}
port=${PEER_FLOW_PORT:-18060}
concurrency=${PEER_FLOW_CONCURRENCY:-16}
: "${MOCK_URL:?set MOCK_URL to the mock alert API (the harness does)}"
: "${CUSTOM_ENV_FILE:?set CUSTOM_ENV_FILE (the harness does)}"
case "$language" in python | javascript) ;; *) echo "PEER_FLOW_LANGUAGE must be python or javascript" >&2; exit 2 ;; esac

# The connection holds the API's origin; the flow's input holds the path, as a user would split them.
origin=$(printf '%s' "$MOCK_URL" | sed -E 's#^(https?://[^/]+).*#\1#')
path=${MOCK_URL#"$origin"}
path=${path:-/}

# Kept after the run (serve replaces this shell, so nothing is left to remove it): its runs and
# their steps are the record of what the benchmark did. Its path is printed for inspection.
data=$(mktemp -d "${TMPDIR:-/tmp}/rampart-peer-flow.XXXXXX")
echo "rampart peer-flow data dir: $data (remove it when done)" >&2
mkdir -p "$data/playbooks"
cp "$root/bench/peer-flow/peer-flow-$language.yaml" "$data/playbooks/"
"$rampart" --data-dir "$data" connection add alerts_api --connector http --config "{\"url\":\"$origin\"}" >&2
token=$("$rampart" --data-dir "$data" token create peer-bench --role responder 2>/dev/null)

body=$(printf '{"path":"%s"}' "$path")
{
  printf 'CUSTOM_URL=%q\n' "http://127.0.0.1:$port/hooks/peer-flow-$language?wait=30s"
  printf 'CUSTOM_METHOD=POST\n'
  printf 'CUSTOM_BODY=%q\n' "$body"
  printf 'CUSTOM_HEADERS=%q\n' "authorization: Bearer $token"
} >"$CUSTOM_ENV_FILE.tmp"
mv "$CUSTOM_ENV_FILE.tmp" "$CUSTOM_ENV_FILE"

exec "$rampart" --data-dir "$data" serve --port "$port" --playbooks "$data/playbooks" --concurrency "$concurrency"
