#!/usr/bin/env bash
# What the browser test (tests/test_site.py) needs, installed when missing; `make test` runs this.
#
# - Debian's chromium (never a browser build downloaded by a test tool). Installed with apt-get
#   when this runs as root, as CI does; otherwise the script stops and says how to install it.
# - axe-core, the accessibility engine, from the npm registry: a pinned version, its tarball checked
#   against the pinned integrity, unpacked into .venv/share/axe-core (so the test itself needs no
#   network, and `make clean` keeps it).
#
# Usage: bash tools/browser_deps.sh
set -euo pipefail

AXE_VERSION=4.14.1
AXE_INTEGRITY=sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHROMIUM=${BOOK_CHROMIUM:-/usr/bin/chromium}
AXE_DIR=${BOOK_AXE_DIR:-$ROOT/.venv/share/axe-core}

apt_install() {  # apt_install WHAT PACKAGE...
    local what=$1
    shift
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "browser_deps: installing $what with apt-get ($*)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        {
            echo "browser_deps: $what is missing, and this is not root, so it cannot be installed here."
            echo "  The browser test needs Debian's package. Install it with:"
            echo "      sudo apt-get update && sudo apt-get install -y $*"
            echo "  then run 'make test' again."
        } >&2
        exit 1
    fi
}

# --- Chromium -------------------------------------------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
    if [ "$CHROMIUM" = /usr/bin/chromium ]; then
        apt_install "Chromium ($CHROMIUM)" chromium
    else
        echo "browser_deps: BOOK_CHROMIUM=$CHROMIUM is not an executable file" >&2
        exit 1
    fi
fi
# (2>/dev/null: Debian's launcher script prints a harmless "[: ... unexpected operator" from its
# /dev/shm size check when findmnt reports more than one mount.)
"$CHROMIUM" --version 2>/dev/null

# --- axe-core --------------------------------------------------------------------------------
if [ -f "$AXE_DIR/axe.min.js" ] && [ "$(cat "$AXE_DIR/VERSION" 2>/dev/null)" = "$AXE_VERSION" ]; then
    echo "axe-core $AXE_VERSION in ${AXE_DIR#"$ROOT"/}"
    exit 0
fi
command -v npm >/dev/null 2>&1 || apt_install "npm (to fetch axe-core)" npm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null)
tarball="$tmp/axe-core-$AXE_VERSION.tgz"
got=$(python3 -c 'import base64, hashlib, sys; print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tarball")
if [ "$got" != "$AXE_INTEGRITY" ]; then
    echo "browser_deps: axe-core-$AXE_VERSION.tgz does not match the pinned integrity" >&2
    echo "  expected $AXE_INTEGRITY" >&2
    echo "  got      $got" >&2
    exit 1
fi
tar -xzf "$tarball" -C "$tmp" package/axe.min.js package/LICENSE
mkdir -p "$AXE_DIR"
mv "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$AXE_DIR/"
echo "$AXE_VERSION" >"$AXE_DIR/VERSION"
echo "axe-core $AXE_VERSION installed in ${AXE_DIR#"$ROOT"/}"
