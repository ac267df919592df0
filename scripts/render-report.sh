#!/usr/bin/env bash
# Render a planwise Markdown report the way GitHub shows it (GFM tables,
# <details>, code blocks, ```mermaid diagrams, GitHub's stylesheet) and take a
# full-page screenshot with headless Chromium. Optionally also write a static
# HTML copy (diagrams inlined as SVG, no scripts).
#
#   scripts/render-report.sh REPORT.md OUT.png [OUT.html]
#
# Needs node >= 20 and npm (npm packages are pinned in
# scripts/render-report/package-lock.json and installed into
# scripts/render-report/node_modules on first use) and Debian's chromium
# (installed with apt-get when missing and running as root).
#
# Environment: CHROMIUM (browser binary, default /usr/bin/chromium),
# RENDER_OPEN_DETAILS=1 (expand <details> blocks, which GitHub shows closed),
# RENDER_SCALE (device scale factor, default 1).
#
# Exit status: 0 ok, 2 if a mermaid diagram failed to render (outputs are
# still written, with an error box in place of the diagram), 1 otherwise.
set -euo pipefail

usage() { echo "usage: $0 REPORT.md OUT.png [OUT.html]" >&2; exit 1; }
[[ $# -ge 2 && $# -le 3 ]] || usage
report=$1 png=$2 html=${3:-}
[[ -f $report ]] || { echo "$0: no such file: $report" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=$here/render-report

# --- Chromium (Debian package) ---------------------------------------------
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $CHROMIUM ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing chromium with apt-get..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium >&2 || { apt-get update -q >&2 && apt-get install -y -q chromium >&2; }
  fi
  [[ -x $CHROMIUM ]] || { echo "$0: $CHROMIUM not found; apt-get install chromium" >&2; exit 1; }
fi

# --- npm packages, pinned by package-lock.json ------------------------------
command -v node >/dev/null || { echo "$0: node not found" >&2; exit 1; }
stamp=$dir/node_modules/.render-report.lock-sha256
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "installing npm packages into $dir/node_modules..." >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$want" >"$stamp"
fi

# --- render -----------------------------------------------------------------
mkdir -p "$(dirname "$png")"
[[ -z $html ]] || mkdir -p "$(dirname "$html")"
exec node "$dir/render.mjs" "$report" "$png" ${html:+"$html"}
