#!/bin/sh
# deb post-install: let the terminal's USB serial device be opened by the
# cashier's account without root. Installs the udev rule and reloads udev.
set -e
RULE_SRC="/opt/Refund Terminal/resources/udev/99-antom-terminal.rules"
if [ -f "$RULE_SRC" ]; then
  install -m 0644 "$RULE_SRC" /etc/udev/rules.d/99-antom-terminal.rules
  if command -v udevadm >/dev/null 2>&1; then
    udevadm control --reload-rules || true
    udevadm trigger --subsystem-match=tty || true
  fi
fi
# The rule grants the 'dialout' group; add the cashier account with:
#   sudo usermod -aG dialout <user>   (then sign out and in again)
exit 0
