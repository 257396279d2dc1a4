#!/usr/bin/env bash
# One-time (and idempotent) setup of a fresh clone: Debian build packages for node-rdkafka's codecs,
# the pinned pnpm, and the workspace dependencies from the committed lockfile.
# Run it as `npm run setup`: it needs only Node.js and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# librdkafka builds without these, but then lacks zstd compression and some SASL mechanisms.
DEB_PACKAGES=(libzstd-dev liblz4-dev libsasl2-dev)
missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  step "Installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" \
      || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; }) \
      || echo "warning: could not install ${missing[*]}; node-rdkafka will build without zstd" >&2
  elif command -v sudo >/dev/null; then
    sudo apt-get install -y -q "${missing[@]}" || echo "warning: could not install ${missing[*]}" >&2
  else
    echo "warning: not root and no sudo: skipping ${missing[*]} (node-rdkafka builds without zstd)" >&2
  fi
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  step "Installing pnpm $PNPM_VERSION"
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION"
fi

step "Installing workspace dependencies (first run builds node-rdkafka: about 3 minutes)"
# node-gyp would download Node's headers, and this machine may be offline: point it at the
# headers that ship with Node (Debian/NodeSource: /usr/include/node) unless the user chose.
if [ -z "${npm_config_nodedir:-}" ]; then
  node_prefix=$(dirname "$(dirname "$(command -v node)")")
  for dir in "$node_prefix" /usr /usr/local; do
    if [ -f "$dir/include/node/node.h" ]; then export npm_config_nodedir="$dir"; break; fi
  done
fi
pnpm install --frozen-lockfile
step "Setup complete"
