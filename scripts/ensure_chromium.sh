#!/usr/bin/env bash
# Installs Debian's Chromium for the browser test, and poppler-utils (pdftotext) for the
# submission PDF's text checks, when they are missing (needs root and apt-get).
# Playwright drives /usr/bin/chromium; it never downloads a browser of its own.
set -u
if [ -x /usr/bin/chromium ] && command -v pdftotext >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium and poppler-utils for the browser and PDF tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null && exit 0
fi
echo "warning: chromium or pdftotext is missing and could not be installed; the browser and PDF tests will skip." >&2
echo "         Install them with: sudo apt-get install chromium poppler-utils" >&2
exit 0
