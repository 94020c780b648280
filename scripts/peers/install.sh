#!/usr/bin/env bash
# Installs the third-party peers that the tests talk to. Idempotent; safe to run on a fresh machine.
# Debian: prometheus-alertmanager (alert source), chromium + chromium-driver (browser tests), systemd (unit check).
# PyPI (into $PEERS_VENV, default .peers-venv in the current folder): matrix-synapse, aiosmtpd, slack_sdk, slack_bolt, jpholiday, holidays, icalendar, websockets (17.x,
# the fakes slack_socket.py / mattermost_fake.py), mattermostdriver 7.3.2 (check_fakes.py),
# selenium (drives the Debian chromium through /usr/bin/chromedriver; no browser download).
set -euo pipefail
# Copied from shared/peers/install.sh; uses sudo for apt when not root.
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
VENV=${PEERS_VENV:-.peers-venv}
need_apt=()
command -v prometheus-alertmanager >/dev/null || need_apt+=(prometheus-alertmanager)
command -v systemd-analyze >/dev/null || need_apt+=(systemd)   # `systemd-analyze verify` of deploy/incident-bridge.service
command -v chromium >/dev/null || need_apt+=(chromium)
[ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
  $SUDO apt-get update -qq || { sleep 5; $SUDO apt-get update -qq; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import synapse, aiosmtpd, slack_sdk, slack_bolt, selenium, jpholiday, holidays, icalendar, websockets, mattermostdriver' 2>/dev/null ||
  "$VENV/bin/pip" install -q matrix-synapse aiosmtpd slack_sdk slack_bolt selenium jpholiday holidays icalendar 'websockets>=17,<18' 'mattermostdriver==7.3.2'
echo "peers ready: venv $VENV"
