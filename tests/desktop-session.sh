#!/usr/bin/env bash
# Runs a command the way a desktop session would have it: a private D-Bus session bus, an unlocked
# gnome-keyring Secret Service on it, and a fresh kernel session keyring. Used by the keyring test
# and by the real-window tests on headless machines.
set -euo pipefail

if [ -z "${SWITCHBOARD_DESKTOP_SESSION:-}" ]; then
  export SWITCHBOARD_DESKTOP_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi

# A throwaway login keyring: created on first unlock (it needs a non-empty password to become the
# default collection), in a folder of its own so a developer's real keyrings are never touched.
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
eval "$(printf 'switchboard-test' | XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
keyctl session - "$@"
