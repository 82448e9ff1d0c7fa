#!/usr/bin/env bash
# System packages some tests need, from Debian's repositories (never a tool's own browser download):
#   python3 + pandas   on-demand feature views run the feature repo's Python transformations
#                      (Debian 12 has no pyarrow package; the workbench falls back to a lossless exchange)
#   chromium           the end-to-end specs drive the renderer in Debian's Chromium (never Playwright's download)
# Safe to run twice; does nothing when everything is present.
set -euo pipefail

missing=()
# The workbench looks for pandas in $FWB_PYTHON, python3 on PATH, then Debian's /usr/bin/python3.
has_pandas() {
  for py in "${FWB_PYTHON:-}" python3 /usr/bin/python3; do
    [ -n "$py" ] && "$py" -c 'import pandas' >/dev/null 2>&1 && return 0
  done
  return 1
}
has_pandas || missing+=(python3 python3-pandas)
# e2e/fixtures.ts launches /usr/bin/chromium (or $FWB_CHROMIUM).
[ -x "${FWB_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system: python3 with pandas and chromium are present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
