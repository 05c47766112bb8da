#!/usr/bin/env bash
# Makes sure the Debian tools the demo, tests and bench run are present: redis-server, redis-cli and
# redis-benchmark (package redis-server / redis-tools) and prometheus-alertmanager (e2e test).
# Installs what is missing with apt-get when run as root; otherwise stops at once with the exact command to run.
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
command -v redis-benchmark >/dev/null 2>&1 || need+=(redis-tools)
[ "${SKIP_ALERTMANAGER:-0}" = 1 ] || command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
[ ${#need[@]} -eq 0 ] && exit 0

# de-duplicate
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
cmd="apt-get update && apt-get install -y --no-install-recommends ${need[*]}"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "redis-incident-bot: missing ${need[*]}. Install with:" >&2
  echo "  sudo sh -c '$cmd'" >&2
  exit 1
fi
echo "redis-incident-bot: installing ${need[*]} (apt-get)…" >&2
export DEBIAN_FRONTEND=noninteractive
# The Debian package starts a system alertmanager service where systemd runs; the tests start their own instead.
if ! (apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1); then
  apt-get update >/dev/null
  apt-get install -y --no-install-recommends "${need[@]}" >/dev/null
fi
for bin in redis-server redis-cli redis-benchmark; do
  command -v "$bin" >/dev/null 2>&1 || { echo "redis-incident-bot: $bin still missing after install; run: $cmd" >&2; exit 1; }
done
if [ "${SKIP_ALERTMANAGER:-0}" != 1 ] && ! command -v prometheus-alertmanager >/dev/null 2>&1; then
  echo "redis-incident-bot: prometheus-alertmanager still missing after install; run: $cmd" >&2
  exit 1
fi
