#!/usr/bin/env bash
# Drives node-postgres (pg, pg-cursor; pinned in tests/clients/node/package-lock.json) against a
# running meshgate (default 127.0.0.1:5433) in a time zone east of UTC: parameters including JS
# Dates, the JS types of integers, numerics and dates, error codes, a cursor read in batches and
# governance. Installs the packages with `npm ci` when node_modules is missing.
#   cargo run -- serve &   tests/clients/node_pg.sh
set -euo pipefail
cd "$(dirname "$0")/node"
[[ -d node_modules ]] || npm ci --no-audit --no-fund --silent
TZ=Asia/Tokyo node node_pg.js
