# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared harness for skiff's integration tests.

Tests run as root against the real kernel.  Each test gets its own state root (--root) and bundle
under a private temp dir; after every test the harness checks that nothing was left behind: no state
directory, no cgroup named after a test container, no mount under the test's directories, no
process of the container.  A test that leaks fails even if its own assertions passed.

    def test_hostname(bundle):
        bundle.config["hostname"] = "box"
        r = bundle.run(["hostname"])          # skiff run, foreground, returns CompletedProcess
        assert r.returncode == 0 and r.stdout.strip() == "box"
"""
import copy
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import pytest

SKIFF = os.environ.get("SKIFF") or shutil.which("skiff") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", "src", "skiff"))
SKIFF_IMAGE = os.environ.get("SKIFF_IMAGE") or os.path.join(os.path.dirname(SKIFF), "skiff-image")
BASE_ROOTFS = os.environ.get("SKIFF_TEST_ROOTFS", "/var/tmp/skiff-test-rootfs")
TEST_PREFIX = "skt-"


def busybox_path():
    for p in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(p):
            return p
    pytest.skip("busybox-static is not installed (apt-get install -y busybox-static)")


def make_base_rootfs():
    """A tiny rootfs: busybox-static with its applet links, /etc/passwd and /etc/group."""
    marker = os.path.join(BASE_ROOTFS, ".skiff-test-rootfs")
    if os.path.exists(marker):
        return BASE_ROOTFS
    tmp = BASE_ROOTFS + ".tmp-%d" % os.getpid()
    shutil.rmtree(tmp, ignore_errors=True)
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp", "root",
              "home/user", "var", "run"):
        os.makedirs(os.path.join(tmp, d), exist_ok=True)
    os.chmod(os.path.join(tmp, "tmp"), 0o1777)
    shutil.copy2(busybox_path(), os.path.join(tmp, "bin", "busybox"))
    subprocess.run([os.path.join(tmp, "bin", "busybox"), "--install", "-s", os.path.join(tmp, "bin")],
                   check=True)
    # --install -s links to the host path of busybox; make the links relative to the rootfs.
    for name in os.listdir(os.path.join(tmp, "bin")):
        p = os.path.join(tmp, "bin", name)
        if os.path.islink(p):
            os.unlink(p)
            os.symlink("busybox", p)
    with open(os.path.join(tmp, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n"
                "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
    with open(os.path.join(tmp, "etc", "group"), "w") as f:
        f.write("root:x:0:\nusers:x:100:user\nuser:x:1000:\nnogroup:x:65534:\n")
    open(os.path.join(tmp, ".skiff-test-rootfs"), "w").close()
    try:
        os.rename(tmp, BASE_ROOTFS)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # another worker won the race
    return BASE_ROOTFS


def default_config(args):
    """runc's default spec (as `skiff spec` writes it), with `args`."""
    caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": args,
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "TERM=xterm"],
            "cwd": "/",
            "capabilities": {k: list(caps) for k in
                             ("bounding", "effective", "permitted", "ambient")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "skiff",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
        ],
        "linux": {
            "resources": {"devices": [{"allow": False, "access": "rwm"}]},
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "cgroup")],
            "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                            "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                              "/proc/sysrq-trigger"],
        },
    }


class Bundle:
    """A bundle directory (config.json + rootfs copy) and a private state root."""

    def __init__(self, tmpdir):
        self.dir = os.path.join(tmpdir, "bundle")
        self.root = os.path.join(tmpdir, "state")
        self.rootfs = os.path.join(self.dir, "rootfs")
        os.makedirs(self.dir)
        subprocess.run(["cp", "-a", make_base_rootfs(), self.rootfs], check=True)
        self.config = default_config(["true"])
        self.ids = []

    def new_id(self):
        cid = TEST_PREFIX + uuid.uuid4().hex[:12]
        self.ids.append(cid)
        return cid

    def write_config(self, config=None):
        with open(os.path.join(self.dir, "config.json"), "w") as f:
            json.dump(self.config if config is None else config, f, indent=1)

    def skiff(self, *args, input=None, timeout=60, check=False, global_args=(), **kw):
        """Run `skiff --root <private root> ARGS...`; returns CompletedProcess (text)."""
        cmd = [SKIFF, "--root", self.root, *global_args, *args]
        # Files, not pipes: a created container inherits skiff's stdio and keeps it open, so a
        # reader waiting for EOF on a pipe would wait for the container to exit.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            if input is None:
                kw.setdefault("stdin", subprocess.DEVNULL)
            p = subprocess.run(cmd, input=input, stdout=out, stderr=err, text=True,
                               timeout=timeout, **kw)
            out.seek(0)
            err.seek(0)
            r = subprocess.CompletedProcess(cmd, p.returncode, out.read(), err.read())
        if check and r.returncode != 0:
            raise AssertionError("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr))
        return r

    def run(self, args=None, cid=None, extra=(), **kw):
        """Write config (with process.args = args when given) and `skiff run` in the foreground."""
        if args is not None:
            self.config["process"]["args"] = args
        self.write_config()
        cid = cid or self.new_id()
        return self.skiff("run", "--bundle", self.dir, *extra, cid, **kw)

    def create(self, args=None, cid=None, extra=(), check=True):
        if args is not None:
            self.config["process"]["args"] = args
        self.write_config()
        cid = cid or self.new_id()
        self.skiff("create", "--bundle", self.dir, *extra, cid, check=check)
        return cid

    def state(self, cid):
        r = self.skiff("state", cid, check=True)
        return json.loads(r.stdout)

    def delete(self, cid, force=True):
        return self.skiff("delete", *(["--force"] if force else []), cid)

    def cleanup(self):
        for cid in self.ids:
            self.skiff("delete", "--force", cid)


def run_on_pty(argv):
    """Run argv with a new pty as its controlling terminal and stdio; (exit status, output)."""
    import pty
    pid, master = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO once the child side is closed
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    _, status = os.waitpid(pid, 0)
    return os.WEXITSTATUS(status), out


def cgroup_leftovers():
    """Cgroup directories named after test containers, in every hierarchy."""
    found = []
    for base, dirs, _ in os.walk("/sys/fs/cgroup"):
        for d in dirs:
            if d.startswith(TEST_PREFIX):
                found.append(os.path.join(base, d))
        # don't descend into non-test cgroups deeper than two levels: keeps the walk cheap
        if base.count("/") > 6:
            dirs[:] = []
    return found


def mounts_under(path):
    with open("/proc/self/mountinfo") as f:
        return [l for l in f if path in l.split()[4]]


def processes_with_root(path):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/root" % pid).startswith(path):
                found.append(int(pid))
        except OSError:
            pass
    return found


@pytest.fixture
def bundle(tmp_path):
    """A fresh bundle; after the test, checks that skiff left nothing behind."""
    if os.geteuid() != 0:
        pytest.skip("integration tests run as root")
    b = Bundle(str(tmp_path))
    yield b
    leftover_state = [e for e in os.listdir(b.root)] if os.path.isdir(b.root) else []
    b.cleanup()
    time.sleep(0)
    problems = []
    if leftover_state:
        problems.append("state left in %s: %s" % (b.root, leftover_state))
    cg = [c for c in cgroup_leftovers() if any(cid in c for cid in b.ids)]
    if cg:
        problems.append("cgroups left: %s" % cg)
        for c in sorted(cg, key=len, reverse=True):
            try:
                os.rmdir(c)
            except OSError:
                pass
    m = mounts_under(str(tmp_path))
    if m:
        problems.append("mounts left: %s" % m)
        for line in reversed(m):
            subprocess.run(["umount", "-l", line.split()[4]])
    procs = processes_with_root(str(tmp_path))
    if procs:
        problems.append("processes left: %s" % procs)
        for p in procs:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    assert not problems, "; ".join(problems)


@pytest.fixture
def leftovers_expected():
    """For tests that want to inspect the leftover checks themselves."""
    return {"cgroups": cgroup_leftovers, "mounts": mounts_under, "processes": processes_with_root}
