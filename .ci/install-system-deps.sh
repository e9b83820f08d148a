#!/usr/bin/env bash
# System packages the test suite needs: Java 17 (DynamoDB Local) and Chromium (the web-form browser test).
# Installs only what is missing; safe to run repeatedly; never prompts.
set -euo pipefail

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  echo "system deps present: java, chromium"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "installing: ${missing[*]}"
$SUDO apt-get update -y
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
