# SPDX-License-Identifier: GPL-2.0-or-later
"""Regression suite of published container-runtime escapes, each written as its exploit's idea
against skiff; every one must be defeated.

Where an attack needs the host to hold something valuable, the test uses a file in its own temp dir
(a copy of the skiff binary, a marker file), never a real host file."""
import hashlib
import json
import os
import re
import select
import shutil
import stat
import subprocess
import time

import pytest

import conftest


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def readline(stream, timeout=30):
    r, _, _ = select.select([stream], [], [], timeout)
    assert r, "no output from the container"
    return stream.readline()


def init_pid(bundle, cid, skiff=None):
    cmd = [skiff or conftest.SKIFF, "--root", bundle.root, "state", cid]
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)["pid"]


def wait_exec(pid):
    """Until the container process has exec'd its (busybox) program."""
    for _ in range(200):
        try:
            if os.readlink("/proc/%d/exe" % pid).endswith("/busybox"):
                return
        except OSError:
            return
        time.sleep(0.05)


def wait_exe_changes(pid, old):
    for _ in range(200):
        try:
            if os.readlink("/proc/%d/exe" % pid) != old:
                return
        except OSError:
            return
        time.sleep(0.05)


# ---- CVE-2019-5736: overwriting the host runtime binary through /proc/<pid>/exe ----

def test_cve_2019_5736_init_exe_not_accessible(bundle):
    """A process exec'd into a created (not yet started) container cannot reach the runtime binary
    through /proc/1/exe: it is not dumpable, and ptrace access is denied."""
    cid = bundle.create(["sleep", "60"])
    try:
        r = bundle.skiff("exec", cid, "sh", "-c",
                         "readlink /proc/1/exe; echo rl=$?; cat /proc/1/exe >/dev/null; echo rd=$?")
        assert r.returncode == 0, r.stderr
        assert "rl=1" in r.stdout and "rd=1" in r.stdout, r.stdout + r.stderr
        assert re.search(r"Permission denied|Operation not permitted", r.stderr), r.stderr
    finally:
        bundle.delete(cid)


def test_cve_2019_5736_host_binary_not_overwritten(bundle, tmp_path):
    """The exploit: hold /proc/1/exe (the runtime, while the init still runs it) open, wait until
    nothing executes the runtime any more, then reopen it for writing through /proc/self/fd.
    Run against a private copy of skiff, with CAP_SYS_PTRACE (the worst case)."""
    skiff = str(tmp_path / "skiff-copy")
    shutil.copy2(conftest.SKIFF, skiff)
    before = sha256(skiff)
    bundle.config["process"]["capabilities"] = {
        k: ["CAP_SYS_PTRACE", "CAP_KILL", "CAP_DAC_OVERRIDE"]
        for k in ("bounding", "effective", "permitted")}
    bundle.write_config()
    cid = bundle.new_id()
    bundle.config["process"]["args"] = ["sleep", "60"]
    bundle.write_config()
    base = [skiff, "--root", bundle.root]
    subprocess.run(base + ["create", "--bundle", bundle.dir, cid], check=True, timeout=60)
    try:
        pid = init_pid(bundle, cid, skiff)
        exe_before = os.readlink("/proc/%d/exe" % pid)
        script = ("exec 3</proc/1/exe; echo opened=$?; read go; "
                  "printf '#!/bin/sh\\necho pwned\\n' 1<>/proc/self/fd/3; echo write=$?")
        p = subprocess.Popen(base + ["exec", "-d", "--cap", "CAP_SYS_PTRACE", cid,
                                     "sh", "-c", script],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        opened = readline(p.stdout)
        assert opened.startswith("opened="), opened
        subprocess.run(base + ["start", cid], check=True, timeout=60)
        wait_exe_changes(pid, exe_before)
        p.stdin.write("go\n")
        p.stdin.flush()
        out = readline(p.stdout)
        p.stdin.close()
        err = p.stderr.read() if p.wait(30) is not None else ""
        assert sha256(skiff) == before, "the host skiff binary was modified: %s %s" % (out, err)
    finally:
        subprocess.run(base + ["delete", "--force", cid], timeout=60)


def run_exe(bundle, tmp_path):
    """Start a foreground `skiff run` of `sleep 60`; return (Popen, what its /proc/<pid>/exe is
    once the container runs)."""
    bundle.config["process"]["args"] = ["sleep", "60"]
    bundle.write_config()
    cid = bundle.new_id()
    p = subprocess.Popen([conftest.SKIFF, "--root", bundle.root, "run", "--bundle", bundle.dir,
                          cid], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    for _ in range(600):
        if os.path.exists(os.path.join(bundle.root, cid, "state.json")):
            try:
                if bundle.state(cid)["status"] == "running":
                    break
            except (AssertionError, ValueError):
                pass
        time.sleep(0.05)
    exe = os.readlink("/proc/%d/exe" % p.pid)
    bundle.delete(cid)
    p.wait(60)
    return exe


@pytest.mark.parametrize("case", ["own-pidns", "host-pidns", "start-hook"])
def test_cve_2019_5736_run_seals_when_the_container_can_see_skiff(bundle, tmp_path, case):
    """`run` skips the sealed copy only when nothing in the container can ever see a skiff
    process: with the host's pid namespace the container sees the `run` process itself, and a
    startContainer hook runs inside the container while the init is still skiff."""
    if case == "host-pidns":
        bundle.config["linux"]["namespaces"] = [
            n for n in bundle.config["linux"]["namespaces"] if n["type"] != "pid"]
    if case == "start-hook":
        bundle.config["hooks"] = {"startContainer": [{"path": "/bin/true"}]}
    exe = run_exe(bundle, tmp_path)
    sealed = exe.startswith("/memfd:skiff-sealed")
    assert sealed == (case != "own-pidns"), exe


def test_run_returns_after_the_user_program_is_execd(bundle):
    """`run -d` holds the container (and its lock) until the init has exec'd the user program:
    when it returns, the init is no longer a skiff process, so no `exec` can ever meet one.  A
    slow startContainer hook (run by the init between start and execve) makes the window wide."""
    bundle.config["hooks"] = {"startContainer": [{"path": "/bin/sleep", "args": ["sleep", "0.5"]}]}
    bundle.config["process"]["args"] = ["sleep", "60"]
    bundle.write_config()
    cid = bundle.new_id()
    bundle.skiff("run", "-d", "--bundle", bundle.dir, cid, check=True)
    exe = os.readlink("/proc/%d/exe" % bundle.state(cid)["pid"])
    bundle.delete(cid)
    assert exe.endswith("/busybox"), exe


# ---- CVE-2024-21626: leaked host fds and a host cwd ----

def same_file(a, b):
    """The host sees a pivoted process's cwd and root as "/" of its mount namespace: compare
    the directories themselves."""
    sa, sb = os.stat(a), os.stat(b)
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def host_fds(pid):
    """The fds of a container process, read from the host: {fd: target}."""
    d = "/proc/%d/fd" % pid
    return {int(n): os.readlink(os.path.join(d, n)) for n in os.listdir(d)}


def test_cve_2024_21626_no_host_fd_in_container(bundle):
    cid = bundle.create(["sleep", "60"])
    try:
        bundle.skiff("start", cid, check=True)
        pid = init_pid(bundle, cid)
        wait_exec(pid)
        fds = host_fds(pid)
        assert set(fds) == {0, 1, 2}, fds
        assert same_file("/proc/%d/cwd" % pid, "/proc/%d/root" % pid), \
            "cwd is not the container's /"
    finally:
        bundle.delete(cid)


def test_cve_2024_21626_preserve_fds(bundle, tmp_path):
    bundle.config["process"]["args"] = ["sh", "-c", "ls -l /proc/$$/fd; readlink /proc/$$/fd/3"]
    bundle.write_config()
    cid = bundle.new_id()
    passed = str(tmp_path / "passed")
    # fd 3 is opened by a shell, not by pytest (whose own fd 3 must not be disturbed)
    r = subprocess.run(["sh", "-c", 'exec 3>"$0"; exec "$@"', passed, conftest.SKIFF, "--root",
                        bundle.root, "run", "--preserve-fds", "1", "--bundle", bundle.dir, cid],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    fds = set(int(m.group(1)) for m in re.finditer(r"\s(\d+) -> ", r.stdout))
    # busybox ash keeps a copy of stdin as fd 10
    assert fds - {10} == {0, 1, 2, 3}, r.stdout
    assert r.stdout.strip().splitlines()[-1] == passed


def test_cve_2024_21626_no_host_fd_in_exec(bundle, tmp_path):
    cid = bundle.create(["sleep", "60"])
    try:
        bundle.skiff("start", cid, check=True)
        pidfile = str(tmp_path / "exec.pid")
        bundle.skiff("exec", "-d", "--pid-file", pidfile, cid, "sleep", "60", check=True)
        with open(pidfile) as f:
            pid = int(f.read())
        wait_exec(pid)
        fds = host_fds(pid)
        assert set(fds) == {0, 1, 2}, fds
        assert same_file("/proc/%d/cwd" % pid, "/proc/%d/root" % pid), \
            "cwd is not the container's /"
    finally:
        bundle.delete(cid)


@pytest.mark.parametrize("fd", range(3, 11))
def test_cve_2024_21626_cwd_proc_self_fd(bundle, tmp_path, fd):
    """process.cwd = /proc/self/fd/N was the exploit: a leaked host directory fd as the cwd.
    Either the container fails to start, or its cwd is inside the container."""
    marker = tmp_path / "host-marker"
    marker.write_text("host")
    bundle.config["process"]["cwd"] = "/proc/self/fd/%d" % fd
    r = bundle.run(["sh", "-c", "ls ../../../../../../../..%s && echo ESCAPED; pwd" % marker])
    assert "ESCAPED" not in r.stdout, r.stdout


def test_cwd_dotdot_stays_inside(bundle, tmp_path):
    marker = tmp_path / "host-marker"
    marker.write_text("host")
    bundle.config["process"]["cwd"] = "/../../../../../../../../tmp"
    r = bundle.run(["sh", "-c", "pwd; ls ../../../../../../..%s && echo ESCAPED" % marker])
    assert "ESCAPED" not in r.stdout, r.stdout
    if r.returncode == 0:  # accepted (cleaned up) rather than refused: it is the container's /tmp
        assert r.stdout.splitlines()[0] == "/tmp", r.stdout


def test_cwd_symlink_to_host_not_created_on_host(bundle, tmp_path):
    """A cwd under a symlink in the rootfs pointing at a host path must be created (if at all)
    inside the rootfs, never on the host."""
    hostdir = tmp_path / "hostdir"
    hostdir.mkdir()
    os.symlink(str(hostdir), os.path.join(bundle.rootfs, "evil"))
    bundle.config["process"]["cwd"] = "/evil/sub"
    bundle.config["root"]["readonly"] = False
    bundle.run(["pwd"])
    assert not (hostdir / "sub").exists(), "cwd was created on the host"


# ---- CVE-2021-30465 / CVE-2019-19921: mount destinations through symlinks ----

@pytest.mark.parametrize("kind", ["absolute", "relative"])
def test_cve_2021_30465_mount_destination_symlink(bundle, tmp_path, kind):
    src = tmp_path / "src"
    src.mkdir()
    (src / "marker").write_text("inside")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "host-file").write_text("host")
    target = str(victim) if kind == "absolute" else "../../../../../../../../../.." + str(victim)
    os.symlink(target, os.path.join(bundle.rootfs, "evil"))
    bundle.config["mounts"].append({"destination": "/evil", "type": "bind", "source": str(src),
                                    "options": ["bind", "ro"]})
    bundle.config["root"]["readonly"] = False
    r = bundle.run(["sh", "-c", "cat /evil/marker"])
    # Either skiff refused the mount, or it landed where the symlink points *inside* the rootfs.
    # A mount that followed the symlink on the host would leave /evil empty in the container.
    if r.returncode == 0:
        assert r.stdout.strip() == "inside", r.stdout
    else:
        assert "cat:" not in r.stderr, "the mount did not land inside the rootfs: " + r.stderr
    assert sorted(os.listdir(str(victim))) == ["host-file"]
    assert (victim / "host-file").read_text() == "host"


def test_cve_2019_19921_proc_symlink(bundle):
    """/proc in the rootfs is a symlink: procfs must not be mounted somewhere the container
    chose (which would let it replace /proc with a fake and defeat the LSM/sysctl writes)."""
    procdir = os.path.join(bundle.rootfs, "proc")
    os.rmdir(procdir)
    os.makedirs(os.path.join(bundle.rootfs, "fakeproc"))
    os.symlink("/fakeproc", procdir)
    bundle.config["root"]["readonly"] = False
    r = bundle.run(["sh", "-c", "stat -f -c %T /proc/; ls /fakeproc | head -3"])
    if r.returncode == 0:
        lines = r.stdout.split()
        assert lines and lines[0] == "proc", r.stdout


# ---- CVE-2025-31133: /dev/null replaced by a symlink (maskedPaths) ----

def test_cve_2025_31133_dev_null_symlink(bundle, tmp_path):
    victim = tmp_path / "victim-file"
    victim.write_text("host-secret\n")
    # No /dev tmpfs: the rootfs' own /dev is used, and the attacker controls it.
    bundle.config["mounts"] = [m for m in bundle.config["mounts"]
                               if m["destination"] not in ("/dev", "/dev/pts", "/dev/shm",
                                                           "/dev/mqueue")]
    bundle.config["root"]["readonly"] = False
    devnull = os.path.join(bundle.rootfs, "dev", "null")
    if os.path.lexists(devnull):
        os.unlink(devnull)
    os.symlink(str(victim), devnull)
    r = bundle.run(["sh", "-c", "echo pwned > /proc/kcore; echo w=$?; cat /proc/kcore | head -c 64;"
                                "echo; echo done"])
    assert victim.read_text() == "host-secret\n", "the host file was written through /dev/null"
    if r.returncode == 0:
        assert "w=0" not in r.stdout, r.stdout
        assert "host-secret" not in r.stdout, "the host file was bound over a masked path"


def test_cve_2025_31133_dev_null_symlink_to_procfs(bundle):
    """The published variant: /dev/null -> /proc/sys/kernel/core_pattern; masking /proc/kcore with
    it would give the container a writable core_pattern."""
    bundle.config["mounts"] = [m for m in bundle.config["mounts"]
                               if not m["destination"].startswith("/dev")]
    bundle.config["root"]["readonly"] = False
    devnull = os.path.join(bundle.rootfs, "dev", "null")
    if os.path.lexists(devnull):
        os.unlink(devnull)
    os.symlink("/proc/sys/kernel/core_pattern", devnull)
    with open("/proc/sys/kernel/core_pattern") as f:
        before = f.read()
    try:
        r = bundle.run(["sh", "-c", "cat /proc/kcore | head -c 200; echo '|/tmp/pwned' > "
                                    "/proc/kcore; echo w=$?"])
        with open("/proc/sys/kernel/core_pattern") as f:
            after = f.read()
    finally:
        with open("/proc/sys/kernel/core_pattern", "w") as f:
            f.write(before)
    assert after == before, "the container rewrote the host's core_pattern"
    if r.returncode == 0:
        assert "w=0" not in r.stdout, r.stdout
        assert before.strip() not in r.stdout or not before.strip(), r.stdout


# ---- CVE-2025-52565: /dev/console symlink ----

def test_cve_2025_52565_dev_console_symlink(bundle, tmp_path):
    import pty
    victim = tmp_path / "victim-console"
    victim.write_text("host\n")
    bundle.config["mounts"] = [m for m in bundle.config["mounts"]
                               if m["destination"] not in ("/dev",)]
    bundle.config["root"]["readonly"] = False
    console = os.path.join(bundle.rootfs, "dev", "console")
    if os.path.lexists(console):
        os.unlink(console)
    os.symlink(str(victim), console)
    bundle.config["process"]["terminal"] = True
    bundle.config["process"]["args"] = ["sh", "-c", "stat -c '%t:%T %F' /dev/console; "
                                        "echo written > /dev/console; echo done"]
    bundle.write_config()
    master, slave = pty.openpty()
    cid = bundle.new_id()
    p = subprocess.Popen([conftest.SKIFF, "--root", bundle.root, "run", "--bundle", bundle.dir,
                          cid], stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        r, _, _ = select.select([master], [], [], 30)
        if not r:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    p.wait(30)
    os.close(master)
    assert victim.read_text() == "host\n", "the host file behind /dev/console was written"
    text = out.decode(errors="replace")
    if p.returncode == 0:
        # /dev/console is the container's pty (character device, major 136 = 0x88)
        assert "character special file" in text, text
        assert "written" in text


# ---- CVE-2025-52881: writes redirected through a fake /proc ----

def test_cve_2025_52881_sysctl_through_fake_proc_sys(bundle, tmp_path):
    fake = tmp_path / "fakesys"
    (fake / "net" / "ipv4").mkdir(parents=True)
    target = fake / "net" / "ipv4" / "ip_forward"
    target.write_text("0\n")
    bundle.config["mounts"].append({"destination": "/proc/sys", "type": "bind",
                                    "source": str(fake), "options": ["rbind", "rw"]})
    bundle.config["linux"]["readonlyPaths"] = [p for p in bundle.config["linux"]["readonlyPaths"]
                                               if p != "/proc/sys"]
    bundle.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}
    r = bundle.run(["cat", "/proc/sys/net/ipv4/ip_forward"])
    assert target.read_text() == "0\n", "the sysctl write went to the file mounted over /proc/sys"


def test_cve_2025_52881_oom_score_adj_real(bundle):
    bundle.config["process"]["oomScoreAdj"] = 123
    r = bundle.run(["cat", "/proc/self/oom_score_adj"])
    assert r.returncode == 0 and r.stdout.strip() == "123", r.stdout + r.stderr


# ---- CVE-2022-29162 / CVE-2022-27650: inheritable capabilities ----

def test_cve_2022_29162_inheritable_empty(bundle):
    cid = bundle.create(["sleep", "60"])
    try:
        bundle.skiff("start", cid, check=True)
        r = bundle.skiff("exec", cid, "grep", "-E", "^Cap(Inh|Amb):", "/proc/self/status")
        assert r.returncode == 0, r.stderr
        assert re.search(r"CapInh:\s+0+$", r.stdout, re.M), r.stdout
        r = bundle.skiff("exec", cid, "grep", "^CapInh:", "/proc/1/status")
        assert re.search(r"CapInh:\s+0+$", r.stdout, re.M), r.stdout
    finally:
        bundle.delete(cid)


# ---- writes outside the state dir / the container's cgroup ----

def test_cgroups_path_dotdot(bundle, tmp_path):
    escape = tmp_path / "cg-escape"
    bundle.config["linux"]["cgroupsPath"] = (
        "/skt-cg/../../../../../../../../../../.." + str(escape))
    r = bundle.run(["cat", "/proc/self/cgroup"])
    assert not escape.exists(), "cgroupsPath escaped the cgroup hierarchy"
    if r.returncode == 0:
        assert ".." not in r.stdout
        assert str(tmp_path) not in r.stdout


def test_container_id_dotdot(bundle, tmp_path):
    for bad in ("../../escape", "a/../../b", "..", "/abs"):
        bundle.write_config()
        r = bundle.skiff("run", "--bundle", bundle.dir, bad)
        assert r.returncode != 0, bad
    assert not os.path.exists(os.path.join(os.path.dirname(bundle.root), "escape"))


# ---- LSM labels: this host has neither SELinux nor AppArmor ----

@pytest.mark.parametrize("where,value,message", [
    ("process.selinuxLabel", "system_u:system_r:container_t:s0",
     'process.selinuxLabel: "system_u:system_r:container_t:s0" asked for, but SELinux is not '
     'enabled on this host'),
    ("linux.mountLabel", "system_u:object_r:container_file_t:s0",
     'linux.mountLabel: "system_u:object_r:container_file_t:s0" asked for, but SELinux is not '
     'enabled on this host'),
    ("process.apparmorProfile", "skiff-test",
     'process.apparmorProfile: "skiff-test" asked for, but AppArmor is not enabled on this host'),
])
def test_lsm_label_without_the_lsm_is_refused_cleanly(bundle, where, value, message):
    """Asked-for confinement that the host cannot give is an error, never silently dropped;
    nothing is left behind (the bundle fixture checks state, cgroups, mounts, processes)."""
    if os.path.exists("/sys/fs/selinux/enforce") or os.path.exists(
            "/sys/kernel/security/apparmor"):
        pytest.skip("this host has an LSM: the label would be applied")
    section, key = where.split(".")
    bundle.config[section][key] = value
    bundle.write_config()
    cid = bundle.new_id()
    r = bundle.skiff("run", "--bundle", bundle.dir, cid)
    assert r.returncode != 0 and message in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(bundle.root, cid))
