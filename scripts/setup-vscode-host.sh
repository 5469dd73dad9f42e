#!/usr/bin/env bash
# Prepares the VS Code test host used by `npm run test:vscode` (see test/vscode/host.ts):
#   - Debian packages: chromium (the browser the workbench runs in), ripgrep (stands in for
#     the rg binary @vscode/ripgrep would download), libkrb5-dev (kerberos is built from
#     source because its prebuilt binary comes from GitHub), and a C++ toolchain + python3
#     for node-gyp (node-pty, @vscode/spdlog, native-watchdog, argon2, ...).
#   - the @vscode/ripgrep download cache, filled from /usr/bin/rg, so its postinstall works
#     offline;
#   - the VS Code server build shipped by npm `code-server`, installed into the ignored
#     folder .cache/vscode-host/ (never into the project's node_modules: it is ~1 GB).
# Idempotent: every step is skipped when its result is already there. Safe to run as root
# (CI) or as a user with sudo for the apt step.
set -euo pipefail
cd "$(dirname "$0")/.."

CODE_SERVER_VERSION=4.100.3
# @vscode/ripgrep version in that code-server release, and the rg build it downloads.
RIPGREP_PKG_VERSION=1.15.11
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

HOST_DIR="$PWD/.cache/vscode-host"
SERVER_MAIN="$HOST_DIR/node_modules/code-server/lib/vscode/out/server-main.js"
MARKER="$HOST_DIR/.installed-code-server-$CODE_SERVER_VERSION"

started=$SECONDS
step() { echo "== setup-vscode-host: $* ($((SECONDS - started)) s)"; }

# --- 1. Debian packages --------------------------------------------------------------------
missing=()
need_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || missing+=("$1"); }
need_pkg chromium
need_pkg ripgrep
need_pkg libkrb5-dev
need_pkg pkg-config
command -v g++ >/dev/null && command -v make >/dev/null || missing+=(build-essential)
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
  step "apt-get install ${missing[*]}"
  SUDO=()
  [ "$(id -u)" = 0 ] || SUDO=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  step "Debian packages present"
fi

# --- 2. code-server (VS Code server build) ------------------------------------------------
if [ -f "$MARKER" ] && [ -f "$SERVER_MAIN" ]; then
  step "code-server $CODE_SERVER_VERSION already installed in .cache/vscode-host"
else
  # @vscode/ripgrep's postinstall looks in this cache before downloading from GitHub.
  rg_cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
  if [ ! -s "$rg_cache/$RIPGREP_ASSET" ]; then
    step "ripgrep cache from /usr/bin/rg -> $rg_cache"
    mkdir -p "$rg_cache"
    tmp="$(mktemp -d)"
    cp "$(command -v rg)" "$tmp/rg"
    tar -czf "$rg_cache/$RIPGREP_ASSET" -C "$tmp" rg
    rm -rf "$tmp"
  fi

  step "npm install code-server@$CODE_SERVER_VERSION into .cache/vscode-host (takes minutes)"
  rm -rf "$HOST_DIR"
  mkdir -p "$HOST_DIR"
  # A package.json of its own, so npm installs here and not into the repo's node_modules.
  # (cd rather than --prefix: npm exports a CLI --prefix to lifecycle scripts as
  # npm_config_prefix, and code-server's postinstall runs `npm install` inside
  # lib/vscode, which would then install into the prefix instead.)
  echo '{ "name": "leak-lens-vscode-host", "private": true }' > "$HOST_DIR/package.json"
  (
    cd "$HOST_DIR"
    # unsafe_perm: code-server's postinstall refuses to run as root without it.
    # yes: node-pty's postinstall runs `npx node-gyp`, which npm's yes=false would cancel.
    # PUPPETEER/PLAYWRIGHT: nothing in here should try to download a browser.
    npm_config_yes=true npm_config_unsafe_perm=true PUPPETEER_SKIP_DOWNLOAD=1 \
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
      npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
  )
  [ -f "$SERVER_MAIN" ] || { echo "setup-vscode-host: $SERVER_MAIN missing after install" >&2; exit 1; }
  # The server needs its own native modules; fail here rather than at test time.
  node -e '
    const base = process.argv[1] + "/node_modules/code-server/lib/vscode/node_modules/";
    for (const m of ["node-pty", "@vscode/spdlog", "@vscode/ripgrep", "kerberos", "@parcel/watcher"]) require(base + m);
    require("fs").accessSync(base + "@vscode/ripgrep/bin/rg");
  ' "$HOST_DIR"
  touch "$MARKER"
fi

step "done; server: ${SERVER_MAIN#$PWD/}"
