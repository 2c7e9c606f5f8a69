#!/usr/bin/env bash
# Production launch for one host: one `panel serve app.py` per core, each on its
# own loopback port, for deploy/nginx.conf to spread visitors over.
#
#   export BOKEH_SECRET_KEY="$(.venv/bin/panel secret)"   # once; same on every host
#   GSX_PUBLIC_HOST=gumbel.example.edu deploy/serve.sh
#
# Environment (defaults in brackets):
#   BOKEH_SECRET_KEY   required: signs session ids (`panel secret` or `bokeh secret`)
#   GSX_PUBLIC_HOST    required: host[:port] the browsers see (the WebSocket Origin)
#   GSX_PORTS          ports, one process each [5006 .. 5006 + cores - 1]
#   GSX_ADDRESS        address to listen on [127.0.0.1: only nginx reaches them]
#   GSX_PREFIX         URL prefix when nginx serves the app under a path [none]
#   GSX_LOG_DIR        write each process's log to GSX_LOG_DIR/panel-PORT.log [stderr]
#   GSX_SESSION_IDLE_MS  discard a closed tab's session after this long [60000]
#   GSX_SESSION_CHECK_MS look for such sessions this often [10000]
#   GSX_WARM           1: build the app once at start (--warm), so the first
#                      visitors do not pay the imports; 0: not [1]
#   GSX_SETUP          a --setup script [deploy/gc_setup.py: gc.freeze() after the
#                      warm-up and rarer full collections, 15 - 20 % less CPU per
#                      burst visitor, see deploy/README.md; empty: none]
#   PYTHON             the interpreter with Panel installed [.venv/bin/python]
#
# Why one port per process and not `--num-procs N` on one port: with --num-procs
# the kernel hands each new connection to any of the forked processes, so a tab's
# page request and its WebSocket often reach different processes. The second one
# has no such session, rebuilds it from the signed token (app.py runs twice) and
# the first lingers until it expires: double the work and memory per visitor.
# Separate ports let nginx pin a visitor to one process (a sticky upstream).
# Without a proxy, `panel serve app.py --num-procs 0 ...` (one process per core,
# one port) is the simple alternative; expect that double work, and note that
# --num-procs needs fork (not on Windows) and --dev forces it back to 1.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

: "${BOKEH_SECRET_KEY:?set BOKEH_SECRET_KEY first: export BOKEH_SECRET_KEY=\"\$(.venv/bin/panel secret)\"}"
: "${GSX_PUBLIC_HOST:?set GSX_PUBLIC_HOST to the host[:port] browsers use, e.g. gumbel.example.edu}"
export BOKEH_SECRET_KEY
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
read -r -a PORTS <<<"${GSX_PORTS:-$(seq -s ' ' 5006 $((5005 + $(nproc))))}"

# glibc gives each thread that allocates its own malloc arena; the Monte Carlo
# worker threads then hold freed memory per arena. Two arenas cost nothing here
# and keep the resident size down (measured in deploy/README.md).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
# Python objects on glibc's heap, so memory freed after a class goes back to the
# OS (gumbel_viz/app/memory.py trims it); with pymalloc it stays at the class's peak.
export PYTHONMALLOC="${PYTHONMALLOC:-malloc}"

args=(
  app.py
  --address "${GSX_ADDRESS:-127.0.0.1}"
  # Browsers open the WebSocket from the public page; any other Origin is refused.
  --allow-websocket-origin "$GSX_PUBLIC_HOST"
  # Session ids are signed with BOKEH_SECRET_KEY, so they cannot be guessed or
  # forged. `signed`, not `external-signed`: the server itself still makes the id
  # for a plain page request (external-signed demands ?bokeh-session-id= on it).
  --session-ids signed
  # The client address and scheme come from nginx's X-Real-IP / X-Forwarded-Proto.
  --use-xheaders
  # GET /liveness answers 200 while the process is serving: for nginx and monitors.
  --liveness
  # Pings keep idle WebSockets open through nginx and NAT boxes (nginx drops a
  # silent one after proxy_read_timeout).
  --keep-alive 30000
  # A closed tab's session is freed within a minute: a class that reloads often
  # does not pile up sessions (Bokeh's default keeps them 15 s, checked every 17 s;
  # a longer life lets a dropped connection on flaky Wi-Fi come back in time).
  --check-unused-sessions "${GSX_SESSION_CHECK_MS:-10000}"
  --unused-session-lifetime "${GSX_SESSION_IDLE_MS:-60000}"
)
if [[ "${GSX_WARM:-1}" == 1 ]]; then
  args+=(--warm)
fi
GSX_SETUP="${GSX_SETUP-$ROOT/deploy/gc_setup.py}"
if [[ -n "$GSX_SETUP" ]]; then
  args+=(--setup "$GSX_SETUP")
fi
if [[ -n "${GSX_PREFIX:-}" ]]; then
  args+=(--prefix "$GSX_PREFIX")
fi

serve_one() {  # serve_one PORT: become that port's panel process (exec keeps the pid)
  if [[ -n "${GSX_LOG_DIR:-}" ]]; then
    exec 2>>"$GSX_LOG_DIR/panel-$1.log"
  fi
  exec "$PYTHON" -m panel serve "${args[@]}" --port "$1"
}

if [[ ${#PORTS[@]} -eq 1 ]]; then
  serve_one "${PORTS[0]}"
fi

# Several processes: start them all, stop them all when this script is stopped,
# and exit (for systemd to restart everything) as soon as one of them dies.
children=()
trap 'kill -TERM "${children[@]}" 2>/dev/null; wait' TERM INT
for port in "${PORTS[@]}"; do
  serve_one "$port" &
  children+=("$!")
done
status=0
wait -n || status=$?
kill -TERM "${children[@]}" 2>/dev/null || true
wait || true
exit "$status"
