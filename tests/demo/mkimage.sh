#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the demo image: an OCI image archive (one gzip layer) holding Debian's busybox-static with
# its applet links, /etc/passwd and /etc/group.  Offline, deterministic, about 1 MB.
#   usage: mkimage.sh OUT.tar
set -eu
out=$1
bb=$(command -v busybox || true)
[ -x /bin/busybox ] && bb=/bin/busybox
[ -n "$bb" ] || { echo "mkimage.sh: busybox not found (apt-get install -y busybox-static)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r=$tmp/rootfs
mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root" "$r/proc" "$r/sys" "$r/dev"
chmod 1777 "$r/tmp"
cp "$bb" "$r/bin/busybox"
for a in $("$bb" --list); do [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
echo "skiff demo image" >"$r/etc/motd"

o=$tmp/oci
mkdir -p "$o/blobs/sha256"
(cd "$r" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$tmp/layer.tar" .)
diffid=$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)
gzip -n -9 -c "$tmp/layer.tar" >"$tmp/layer.tar.gz"
ldig=$(sha256sum "$tmp/layer.tar.gz" | cut -d' ' -f1)
lsize=$(stat -c %s "$tmp/layer.tar.gz")
mv "$tmp/layer.tar.gz" "$o/blobs/sha256/$ldig"

arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["sh","-c","cat /etc/motd; echo hello from a skiff container: pid $$, hostname $(hostname)"],"WorkingDir":"/","Labels":{"org.opencontainers.image.title":"skiff-demo"}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"tests/demo/mkimage.sh"}]}' \
  "$arch" "$diffid" >"$tmp/config.json"
cdig=$(sha256sum "$tmp/config.json" | cut -d' ' -f1)
csize=$(stat -c %s "$tmp/config.json")
mv "$tmp/config.json" "$o/blobs/sha256/$cdig"

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
  "$cdig" "$csize" "$ldig" "$lsize" >"$tmp/manifest.json"
mdig=$(sha256sum "$tmp/manifest.json" | cut -d' ' -f1)
msize=$(stat -c %s "$tmp/manifest.json")
mv "$tmp/manifest.json" "$o/blobs/sha256/$mdig"

printf '{"imageLayoutVersion":"1.0.0"}' >"$o/oci-layout"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"demo"},"platform":{"architecture":"%s","os":"linux"}}]}' \
  "$mdig" "$msize" "$arch" >"$o/index.json"
(cd "$o" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - oci-layout index.json blobs) >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkimage.sh: wrote $out ($(stat -c %s "$out") bytes, layer sha256:$ldig)"
