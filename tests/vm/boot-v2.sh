#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# skiff's copy of ../shared/vm/run-in-vm.sh, with one change: the guest switch_root()s into the
# host's root instead of chroot()ing, so "/" is a real mount and pivot_root(2), open_tree(2) and
# mount propagation behave as on an installed system (container runtimes need them).
#
# Run a command as root inside a throw-away QEMU guest whose kernel has a pure
# cgroup v2 hierarchy (every controller on /sys/fs/cgroup), for testing the
# cgroup v2 code paths that a hybrid v1 host cannot exercise.
#
#   usage: run-in-vm.sh [-m MEM_MB] [-t TIMEOUT_S] WORKDIR COMMAND...
#
# The guest sees this machine's root filesystem read-only (9p) as its own /,
# WORKDIR read-write at the same path, and fresh tmpfs on /tmp, /run,
# /var/tmp and /var/lib.  COMMAND runs through /bin/sh -c in WORKDIR; its
# output streams to this terminal and its exit status becomes ours.
# Needs: qemu-system-x86 and linux-image-amd64 (apt-get install -y ...).
# No KVM here: the guest is emulated (TCG), about 8 s to boot.
set -euo pipefail
mem=2048 limit=1200
while getopts m:t: o; do case $o in m) mem=$OPTARG;; t) limit=$OPTARG;; *) exit 2;; esac; done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { sed -n 5,6p "$0" >&2; exit 2; }
work=$(realpath "$1"); shift
cmd="$*"
kver=$(ls /lib/modules | sort -V | tail -1)
kernel=/boot/vmlinuz-$kver
[ -r "$kernel" ] || { echo "run-in-vm: no kernel at $kernel (apt-get install -y linux-image-amd64)" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "run-in-vm: apt-get install -y qemu-system-x86" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/initrd/{bin,mods,proc,sys,dev,root}
cp /bin/busybox "$tmp"/initrd/bin/ 2>/dev/null || { echo "run-in-vm: apt-get install -y busybox-static" >&2; exit 2; }
[ -x /bin/busybox ] || { echo "run-in-vm: the guest needs /bin/busybox (busybox-static)" >&2; exit 2; }
mods="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"
for m in $mods; do
  f=$(modinfo -k "$kver" -n "$m" 2>/dev/null) || continue
  case $f in *.ko) cp "$f" "$tmp"/initrd/mods/ ;; *.ko.xz) xz -dc "$f" > "$tmp/initrd/mods/$m.ko" ;; *.ko.zst) zstd -qdc "$f" > "$tmp/initrd/mods/$m.ko" ;; esac
done
printf '%s\n' "$cmd" > "$tmp"/cmd
cat > "$tmp"/initrd/init <<INIT
#!/bin/busybox sh
B=/bin/busybox
\$B mount -t proc proc /proc; \$B mount -t sysfs sys /sys; \$B mount -t devtmpfs dev /dev
for m in $mods; do [ -f /mods/\$m.ko ] && \$B insmod /mods/\$m.ko 2>/dev/null; done
\$B mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 hostroot /root
for d in proc sys dev; do \$B mount --move /\$d /root/\$d; done
\$B mount -t cgroup2 cgroup2 /root/sys/fs/cgroup
for d in tmp run var/tmp var/lib; do \$B mount -t tmpfs tmpfs /root/\$d; done
\$B mkdir -p /root$work 2>/dev/null
\$B mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none work /root$work
\$B mkdir -p /root/dev/pts /root/dev/shm; \$B mount -t devpts devpts /root/dev/pts; \$B mount -t tmpfs shm /root/dev/shm
\$B mount -t tmpfs tmpfs /root/mnt 2>/dev/null
\$B hostname skiff-vm
echo VM-COMMAND-STARTS > /dev/console
exec \$B switch_root /root /bin/sh -c 'cd "$work" && export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root; . /run/vm-cmd; echo "VM-EXIT-STATUS=\$?"; /bin/busybox poweroff -f' < /dev/console > /dev/console 2>&1
INIT
chmod +x "$tmp"/initrd/init
# the command reaches the guest through its tmpfs /run, copied from the initrd
mkdir -p "$tmp"/initrd/cmd && cp "$tmp"/cmd "$tmp"/initrd/cmd/vm-cmd
sed -i 's|^\$B hostname skiff-vm|&\n$B cp /cmd/vm-cmd /root/run/vm-cmd|' "$tmp"/initrd/init
(cd "$tmp"/initrd && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$tmp"/initrd.gz
log=$tmp/console
set +e
timeout "$limit" qemu-system-x86_64 -m "$mem" -smp "$(nproc)" -nographic -no-reboot \
  -kernel "$kernel" -initrd "$tmp"/initrd.gz \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs local,path="$work",mount_tag=work,security_model=none,multidevs=remap \
  2>&1 | tee "$log" | sed -u -n '/VM-COMMAND-STARTS/,$p' | sed -u -e '1d' -e '/VM-EXIT-STATUS=/d' -e '/reboot: Power down/d' -e 's/\r$//'
status=$(sed -n 's/.*VM-EXIT-STATUS=\([0-9]*\).*/\1/p' "$log" | tail -1)
[ -n "$status" ] || { echo "run-in-vm: the guest did not report an exit status (timeout ${limit}s or crash)" >&2; exit 125; }
exit "$status"
