#!/usr/bin/env bash
# The whole test suite, in the order a failure is cheapest to read.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck (strict, every project)"; npm run --silent typecheck
echo "== lint (ESLint: typescript-eslint, react-hooks, layering rule; zero warnings) and format (Prettier)"; npm run --silent lint && npm run --silent format:check
echo "== build (main, preload bundle, renderer)"; npm run --silent build
echo "== unit and integration tests (Vitest)"; npx vitest run
echo "== Electron hardening scan (electronegativity)"; node scripts/electronegativity.mjs
echo "== end-to-end tests (Playwright, Debian Chromium, browser host + real services)"; npx playwright test
echo "== benchmarks, quick mode (proves they run; figures are not judged here)"; npm run --silent bench -- --quick > /dev/null
echo "All test stages passed."
