#!/bin/sh
# Installs playwright-core (the version package-lock.json pins) into
# tests/browser/node_modules for the browser suite. Not committed; run by
# scripts/setup.sh when npm is there.
set -eu
cd "$(dirname "$0")"
[ -f node_modules/playwright-core/package.json ] && exit 0
npm ci --no-audit --no-fund --loglevel=error
