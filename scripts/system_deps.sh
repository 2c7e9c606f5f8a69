#!/usr/bin/env bash
# The system packages the browser and deploy tests need: Chromium, nginx, npm (axe-core).
# Missing ones are installed with apt when this user can (root, or sudo without a
# password); otherwise this stops at once with the one command to run.
set -euo pipefail

missing=()
if [[ -z "${CHROMIUM:-}" ]] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  missing+=(chromium)
fi
if ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
  missing+=(nginx)
fi
if ! command -v npm >/dev/null; then
  missing+=(npm)
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo)
else
  echo "make test needs ${missing[*]}. Install with:" >&2
  echo "    sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "make test needs ${missing[*]} (Debian/Ubuntu packages); install them, then rerun." >&2
  exit 1
fi
echo "Installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
