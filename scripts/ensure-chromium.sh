#!/usr/bin/env bash
# Installs Debian's Chromium (package chromium) when /usr/bin/chromium is missing, for the Swagger UI
# browser test (http/test/swagger-ui.test.ts: playwright-core drives it; npm downloads no browser).
# Idempotent. Its dependencies bring the fonts, so screenshots show text.
exec "$(dirname "${BASH_SOURCE[0]}")/ensure-deb.sh" chromium /usr/bin/chromium
