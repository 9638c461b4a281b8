#!/usr/bin/env bash
# Put the upstream sources of the static build's subprojects into
# subprojects/packagecache/, from Debian's source archive, so that
# `meson setup -Dstatic_build=true` needs no other network (or none at all
# once this has run). Meson takes a tarball from packagecache/ when its name
# is the wrap's source_filename and its SHA-256 the wrap's source_hash.
#
#   scripts/fetch-static-sources.sh            # needs deb-src (added if root)
#
# Debian's *.orig.tar.* are the upstream tarballs, except svt-av1's, which
# Debian repacks (+dfsg); its wrap points at Debian's tarball on purpose.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/subprojects/packagecache
work=$(mktemp -d "${TMPDIR:-/tmp}/pbc-sources.XXXXXX")
trap 'rm -rf "$work"' EXIT

# wrap name | Debian source package | Debian's name for the orig tarball
sources='
ffmpeg  ffmpeg   ffmpeg_5.1.9.orig.tar.xz
svt-av1 svt-av1  svt-av1_1.4.1+dfsg.orig.tar.xz
opus    opus     opus_1.3.1.orig.tar.gz
jansson jansson  jansson_2.14.orig.tar.gz
dav1d   dav1d    dav1d_1.0.0.orig.tar.xz
'

wrap_value() { sed -n "s/^$2[[:space:]]*=[[:space:]]*//p" "$top/subprojects/$1.wrap"; }

if [ -z "$(apt-cache showsrc jansson 2>/dev/null)" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "fetch-static-sources: enable deb-src in APT (or run as root to have it done)" >&2
    exit 1
  fi
  echo "fetch-static-sources: enabling Debian deb-src entries" >&2
  sed -e 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
    > /etc/apt/sources.list.d/debian-src.sources
  apt-get update -qq
fi

mkdir -p "$cache"
cd "$work"
while read -r wrap pkg orig; do
  [ -n "$wrap" ] || continue
  name=$(wrap_value "$wrap" source_filename)
  hash=$(wrap_value "$wrap" source_hash)
  if [ -f "$cache/$name" ] && echo "$hash  $cache/$name" | sha256sum -c --status; then
    echo "$name: already in packagecache"
    continue
  fi
  apt-get source --download-only -qq "$pkg" >/dev/null 2>&1 || apt-get source --download-only "$pkg"
  if [ ! -f "$orig" ]; then
    echo "fetch-static-sources: Debian no longer ships $orig (it has: $(ls ./*.orig.tar.* 2>/dev/null | tr '\n' ' '))." >&2
    echo "  Update subprojects/$wrap.wrap and this list to that version, with its hash." >&2
    exit 1
  fi
  if ! echo "$hash  $orig" | sha256sum -c --status; then
    echo "fetch-static-sources: $orig does not match source_hash of $wrap.wrap" >&2
    exit 1
  fi
  cp "$orig" "$cache/$name"
  echo "$name: from Debian's $orig, sha256 $hash OK"
done <<< "$sources"

# FFmpeg signs its releases; Debian keeps the key and the signature, so the
# tarball can be checked against upstream's own signature too.
if command -v gpgv >/dev/null && [ -f ffmpeg_5.1.9.orig.tar.xz.asc ]; then
  tar -xJf ffmpeg_*.debian.tar.xz debian/upstream/signing-key.asc
  gpg --dearmor < debian/upstream/signing-key.asc > ffmpeg-key.gpg 2>/dev/null
  gpgv --keyring ./ffmpeg-key.gpg ffmpeg_5.1.9.orig.tar.xz.asc ffmpeg_5.1.9.orig.tar.xz 2>&1 |
    grep -q 'Good signature' && echo "ffmpeg-5.1.9.tar.xz: upstream PGP signature OK"
fi
