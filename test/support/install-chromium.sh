#!/usr/bin/env bash
# Installs Debian's Chromium (and a font for its text) for the browser tests, only when it is missing.
# Non-interactive; as root, or through passwordless sudo. Run by .ci/run only: the tests never install
# anything (without Chromium they skip the browser tests and say so, or fail when CI=true).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no apt-get here; install Chromium yourself and set CHROMIUM_PATH" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo -n); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
chromium --version
