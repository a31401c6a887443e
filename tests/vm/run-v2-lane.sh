#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The pure cgroup v2 lane: boots a throw-away QEMU guest whose kernel mounts only cgroup2 (every
# controller on /sys/fs/cgroup) and runs the cgroup and lifecycle integration tests there with
# the skiff built on this machine.  .ci/run calls it after lane 1 built the tree.
#
#   usage: tests/vm/run-v2-lane.sh [PYTEST-ARGS...]
#   env:   SKIFF          the skiff binary (default: src/skiff of the tree, then of $BUILD_DIR)
#          SKIFF_VM_RUN   the VM runner (default: tests/vm/boot-v2.sh, our adaptation of
#                         ../shared/vm/run-in-vm.sh whose chroot breaks pivot_root)
#          SKIFF_V2_TESTS test files, relative to the tree (default: cgroup + lifecycle tests)
#
# The guest sees this machine's / read-only with fresh tmpfs on /tmp and /var/tmp, so the binary
# and the tests are copied into a staging directory that the runner mounts read-write.
# Needs: qemu-system-x86 linux-image-amd64 busybox-static cpio kmod (see .ci/packages).
set -euo pipefail
tree=$(cd "$(dirname "$0")/../.." && pwd)

skiff=${SKIFF:-}
for c in "$tree/src/skiff" "${BUILD_DIR:-/nonexistent}/src/skiff"; do
  [ -n "$skiff" ] && break
  [ -x "$c" ] && skiff=$c
done
[ -n "$skiff" ] && [ -x "$skiff" ] || { echo "run-v2-lane: no skiff binary: build first or set SKIFF" >&2; exit 2; }
# libtool may leave a wrapper script in src/ and the binary in src/.libs
if ! head -c4 "$skiff" | grep -q ELF && [ -x "$(dirname "$skiff")/.libs/skiff" ]; then
  skiff=$(dirname "$skiff")/.libs/skiff
fi

runner=${SKIFF_VM_RUN:-}
for c in "$tree/tests/vm/boot-v2.sh" "$tree/../shared/vm/run-in-vm.sh" /work/shared/vm/run-in-vm.sh; do
  [ -n "$runner" ] && break
  [ -x "$c" ] && runner=$c
done
[ -n "$runner" ] || { echo "run-v2-lane: no VM runner (../shared/vm/run-in-vm.sh); set SKIFF_VM_RUN" >&2; exit 2; }

tests=${SKIFF_V2_TESTS:-"tests/integration/test_cgroups.py tests/integration/test_lifecycle.py"}

stage=$(mktemp -d /tmp/skiff-v2-lane.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/tests"
cp "$skiff" "$stage/bin/skiff"
[ -x "$(dirname "$skiff")/skiff-image" ] && cp "$(dirname "$skiff")/skiff-image" "$stage/bin/" || true
cp -r "$tree/tests/integration" "$stage/tests/"
rm -rf "$stage/tests/integration/__pycache__"

echo "run-v2-lane: $skiff in a pure cgroup v2 guest: $tests"
# Inside: make sure the guest really is pure v2 before trusting any result.
cmd="if /usr/bin/stat -f -c %T /sys/fs/cgroup | grep -qx cgroup2fs; then"
cmd="$cmd SKIFF=$stage/bin/skiff /usr/bin/python3 -m pytest -p no:cacheprovider --color=no -q -rfEs --junitxml=$stage/junit.xml $tests $*;"
cmd="$cmd else echo 'run-v2-lane: the guest is not pure cgroup v2'; false; fi"
set +e
"$runner" -m "${SKIFF_VM_MEM:-2048}" -t "${SKIFF_VM_TIMEOUT:-1500}" "$stage" "$cmd"
rc=$?
set -e
# The guest's console may lose pytest's closing line at power-off: print it from the JUnit file.
if [ -f "$stage/junit.xml" ]; then
  /usr/bin/python3 - "$stage/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
s = r if r.tag == "testsuite" else r.find("testsuite")
n, f, e, k = (int(s.get(x, 0)) for x in ("tests", "failures", "errors", "skipped"))
print("v2 lane: %d passed, %d failed, %d skipped in %ss" % (n - f - e - k, f + e, k, s.get("time")))
PY
else
  echo "v2 lane: 0 passed, 1 failed (no test report from the guest) in 0s"
fi
exit $rc
