#!/usr/bin/env bash
# Installs everything 双师课堂 needs on a fresh Debian machine with Node and npm:
# Debian packages (ffmpeg, chromium, CJK fonts), npm packages (incl. Node 24 LTS), and the browser build.
# --bench: also the peer SFU the benchmarks measure against (Janus; bench/janus.ts starts its own instance).
set -euo pipefail
cd "$(dirname "$0")/../.."

# postgresql, redis-server: tests start their own throwaway servers (infra/src/postgres-server.ts, redis-server.ts).
# iptables: the impairment harness drops packets inside test network namespaces (the kernel has no netem).
DEBIAN_PACKAGES=(ffmpeg chromium fonts-noto-cjk postgresql redis-server iptables)
# Packages that would start a system service on install; we only want their binaries.
SERVICE_PACKAGES=(postgresql redis-server)
for arg in "$@"; do
  case "$arg" in
    --bench) DEBIAN_PACKAGES+=(janus); SERVICE_PACKAGES+=(janus) ;;
    *) echo "setup: unknown option $arg (known: --bench)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  installs_service=false
  for pkg in "${SERVICE_PACKAGES[@]}"; do
    if [[ " ${missing[*]} " == *" $pkg "* ]]; then installs_service=true; fi
  done
  if $installs_service && [ ! -e /usr/sbin/policy-rc.d ]; then
    # Install the binaries only: keep Debian from starting its own service (postgresql, redis-server, janus).
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

echo "setup: installing npm packages"
npm ci --no-audit --no-fund --loglevel=error

echo "setup: building the browser client"
npm run build --silent
