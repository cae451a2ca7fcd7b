#!/usr/bin/env bash
# Installs what the app (`app`) or the whole test suite (`tests`) needs on a
# fresh Debian/Ubuntu machine with Node 20+, then the npm dependencies.
# The Electron binary is not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD=1):
# where none is installed the app runs as a browser host. Set
# ELECTRON_OVERRIDE_DIST_PATH to use an Electron you have.
set -euo pipefail
what="${1:-app}"
cd "$(dirname "$0")/.."

apt_packages=(socat)              # pty pairs for the virtual terminal (real serial bindings)
if [ "$what" = "tests" ]; then
  apt_packages+=(chromium openssl fonts-wqy-microhei postgresql) # Playwright drives Debian's Chromium; openssl makes independent signing vectors; a CJK font for the Chinese screens; PostgreSQL for the store-mode journal tests (a throwaway cluster per test file, started by test/helpers/pg-cluster.ts)
fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    echo "Installing Debian packages: ${missing[*]}"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Please install: ${missing[*]} (no apt-get here)." >&2
    [ "$what" = "tests" ] && exit 1
  fi
fi

export ELECTRON_SKIP_BINARY_DOWNLOAD=1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
