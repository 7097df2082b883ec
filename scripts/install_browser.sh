#!/bin/sh
# Install what the dashboard's browser test needs: Debian's chromium and a CJK font (so the
# screenshot shows Chinese glyphs, not boxes). The same font is the one `kpi bulletin` and
# `kpi brief` embed in their PDFs; poppler-utils (pdftotext, pdffonts, pdfinfo) reads them back
# in the tests. Idempotent: does nothing when all are present.
# Installs only when running as root with apt-get; otherwise says what is missing and exits 0,
# and the browser test skips with that reason.
set -eu

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
if ! fc-list 2>/dev/null | grep -qi "noto sans cjk\|noto serif cjk"; then
    [ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto 2>/dev/null | grep -qi cjk \
        || missing="$missing fonts-noto-cjk"
fi
command -v pdffonts >/dev/null 2>&1 || missing="$missing poppler-utils"

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install_browser.sh: missing$missing; run as root on Debian to install (the browser test will skip)" >&2
    exit 0
fi

echo "install_browser.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
