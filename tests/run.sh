#!/usr/bin/env bash
# The one test command (README, CI): installs what the tests need, then runs them.
# System packages (fonts, LibreOffice for the PPTX render check, Node for ag-psd, Chromium for the
# web page's browser tests) come
# from apt when missing; the project goes into .venv with its test extra.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

FONT_PKGS=(fonts-dejavu-core fonts-liberation fonts-noto-core fonts-noto-cjk fonts-droid-fallback fonts-urw-base35
           fonts-roboto fonts-lato fonts-open-sans fonts-inter fonts-crosextra-carlito fonts-crosextra-caladea
           fonts-bebas-neue fonts-league-spartan fontconfig)
APT_PKGS=("${FONT_PKGS[@]}" libreoffice-impress poppler-utils nodejs npm imagemagick gimp chromium)
missing=()
for p in "${APT_PKGS[@]}"; do
  case "$p" in nodejs|npm) command -v npm >/dev/null && continue ;; esac  # a Node.js from elsewhere will do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" != "0" ] && SUDO="sudo"
  echo "[test] apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -q
  $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}" \
    || echo "[test] apt: some packages could not be installed; the tests that need them will be skipped"
fi

PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q ".[test,serve,ray]"  # serve: the web page (its tests drive chromium); ray: batch on a local cluster

# ag-psd, an independent PSD reader used by the PSD tests
if command -v npm >/dev/null && [ ! -f .cache/node/node_modules/ag-psd/package.json ]; then
  mkdir -p .cache/node
  (cd .cache/node && npm install --no-audit --no-fund --loglevel=error --prefix . ag-psd@^31) || true
fi
export LAYERIZE_NODE_MODULES="$PWD/.cache/node/node_modules"

.venv/bin/python -m ruff check .

set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "[test] pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
