#!/usr/bin/env bash
# The whole test suite, in the order a failure is cheapest to read.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI="${CI:-}"
echo "== typecheck (strict, all projects)"; npm run --silent typecheck
echo "== build"; npm run --silent build
echo "== unit and integration tests (vitest)"; npx vitest run
echo "== end-to-end tests (Playwright, Debian Chromium, browser host + real services)"; npx playwright test
