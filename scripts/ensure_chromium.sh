#!/usr/bin/env bash
# Installs Debian's Chromium for the browser test when it is missing (needs root and apt-get).
# Playwright drives /usr/bin/chromium; it never downloads a browser of its own.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && exit 0
fi
echo "warning: /usr/bin/chromium is missing and could not be installed; the browser test will be skipped." >&2
echo "         Install it with: sudo apt-get install chromium" >&2
exit 0
