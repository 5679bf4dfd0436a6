#!/usr/bin/env bash
# Runs a command the way a desktop session would have it: a private D-Bus session bus, an unlocked
# gnome-keyring Secret Service on it, and a fresh kernel session keyring. Used by the keyring test
# and by the real-window tests on headless machines.
set -euo pipefail

if [ -z "${SWITCHBOARD_DESKTOP_SESSION:-}" ]; then
  export SWITCHBOARD_DESKTOP_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi

# An empty password on stdin unlocks a fresh login keyring.
eval "$(printf '' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
exec keyctl session - "$@"
