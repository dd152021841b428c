#!/usr/bin/env bash
# Installs bubblewrap (the Debian package), which the local Lambda service uses for a read-only root around
# each execution environment. Best effort and quiet: without it the service still runs, with /tmp redirected
# instead of enforced, and says so. Called by ./soal on its first build and by the tests' build.
command -v bwrap >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing bubblewrap for the local Lambda sandbox..." >&2
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap \
    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap; }; } >/dev/null 2>&1 \
    || echo "could not install bubblewrap; the local Lambda sandbox runs without a read-only root" >&2
else
  echo "bubblewrap is not installed (sudo apt-get install bubblewrap); the local Lambda sandbox runs without a read-only root" >&2
fi
exit 0
