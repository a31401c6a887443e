# SPDX-License-Identifier: GPL-2.0-or-later
"""`skiff exec`: the new process joins every namespace and the cgroup of the container, gets the
process settings (from the container, the flags or --process), and its exit status comes back."""
import json
import os
import re
import socket
import time

import pytest

import conftest


def status_field(text, name):
    m = re.search(r"^%s:\s*(.*)$" % re.escape(name), text, re.M)
    assert m, name
    return m.group(1).strip()


@pytest.fixture
def running(bundle):
    cid = bundle.create(["sleep", "600"])
    bundle.skiff("start", cid, check=True)
    yield cid
    bundle.delete(cid)


def test_exec_joins_namespaces_and_cgroup(bundle, running):
    pid = bundle.state(running)["pid"]
    r = bundle.skiff("exec", running, "sh", "-c",
                     "for n in pid net ipc uts mnt cgroup; do echo $n $(readlink /proc/self/ns/$n); "
                     "done; cat /proc/self/cgroup")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    for line in lines[:6]:
        name, ino = line.split()
        assert ino == os.readlink("/proc/%d/ns/%s" % (pid, name)), name
    with open("/proc/%d/cgroup" % pid) as f:
        init_cg = sorted(f.read().split())
    # inside the cgroup namespace the paths read "/" for both; compare the host view via the pid
    assert all(l.endswith(":/") for l in lines[6:]), lines[6:]
    assert init_cg


def test_exec_host_view_of_cgroup(bundle, running, tmp_path):
    pid = bundle.state(running)["pid"]
    pidfile = str(tmp_path / "p")
    bundle.skiff("exec", "-d", "--pid-file", pidfile, running, "sleep", "30", check=True)
    epid = int(open(pidfile).read())
    with open("/proc/%d/cgroup" % pid) as a, open("/proc/%d/cgroup" % epid) as b:
        assert sorted(a.read().split()) == sorted(b.read().split())
    with open("/proc/%d/status" % epid) as f:
        st = f.read()
    # pid namespace: the exec'd process is not pid 1 but lives in the container's pid ns
    nspid = status_field(st, "NSpid").split()
    assert len(nspid) == 2 and nspid[1] != "1"


def test_exec_exit_status_and_signal(bundle, running):
    assert bundle.skiff("exec", running, "sh", "-c", "exit 42").returncode == 42
    assert bundle.skiff("exec", running, "sh", "-c", "kill -TERM $$").returncode == 128 + 15


def test_exec_inherits_process_settings(bundle, running):
    r = bundle.skiff("exec", running, "cat", "/proc/self/status")
    assert r.returncode == 0, r.stderr
    caps = status_field(r.stdout, "CapEff")
    assert caps == "%016x" % ((1 << 29) | (1 << 5) | (1 << 10))
    assert status_field(r.stdout, "NoNewPrivs") == "1"
    assert status_field(r.stdout, "Seccomp") in ("0", "2")


def test_exec_flags(bundle, running):
    r = bundle.skiff("exec", "--cwd", "/tmp", "-e", "FOO=bar", "--user", "1000:100",
                     "--additional-gids", "5", "--cap", "CAP_NET_RAW", running, "sh", "-c",
                     'pwd; echo $FOO; cat /proc/self/status')
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "/tmp" and lines[1] == "bar"
    assert status_field(r.stdout, "Uid").split()[0] == "1000"
    assert status_field(r.stdout, "Gid").split()[0] == "100"
    assert status_field(r.stdout, "Groups").split() == ["5"]
    bnd = int(status_field(r.stdout, "CapBnd"), 16)
    assert bnd & (1 << 13), "--cap CAP_NET_RAW not in the bounding set"


def test_exec_process_file(bundle, running, tmp_path):
    proc = {"args": ["sh", "-c", "echo $X; id -u; pwd"], "env": ["PATH=/bin", "X=from-file"],
            "cwd": "/bin", "user": {"uid": 65534, "gid": 65534}, "terminal": False}
    f = tmp_path / "process.json"
    f.write_text(json.dumps(proc))
    r = bundle.skiff("exec", "--process", str(f), running)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["from-file", "65534", "/bin"]


def test_exec_process_file_errors(bundle, running, tmp_path):
    f = tmp_path / "process.json"
    f.write_text('{"args": "not-a-list", "cwd": "/"}')
    r = bundle.skiff("exec", "--process", str(f), running)
    assert r.returncode != 0 and "args" in r.stderr, r.stderr


def test_exec_not_found(bundle, running):
    r = bundle.skiff("exec", running, "no-such-binary")
    assert r.returncode != 0 and "no-such-binary" in r.stderr, r.stderr


def test_exec_refuses_stopped(bundle):
    cid = bundle.create(["true"])
    try:
        bundle.skiff("start", cid, check=True)
        for _ in range(200):
            if bundle.state(cid)["status"] == "stopped":
                break
            time.sleep(0.02)
        r = bundle.skiff("exec", cid, "true")
        assert r.returncode != 0 and "stopped" in r.stderr, r.stderr
    finally:
        bundle.delete(cid)


def test_exec_refuses_paused(bundle, running):
    bundle.skiff("pause", running, check=True)
    try:
        r = bundle.skiff("exec", running, "true")
        assert r.returncode != 0 and "paused" in r.stderr, r.stderr
    finally:
        bundle.skiff("resume", running, check=True)


def test_exec_tty(bundle, running):
    status, out = conftest.run_on_pty(
        [conftest.SKIFF, "--root", bundle.root, "exec", "-t", running, "sh", "-c",
         "test -t 0 && test -t 1 && echo tty-ok; tty"])
    assert status == 0, out
    assert b"tty-ok" in out and b"/dev/pts/" in out, out


def test_exec_tty_console_socket(bundle, running, tmp_path):
    path = str(tmp_path / "c.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(20)
    r = bundle.skiff("exec", "-t", "-d", "--console-socket", path, running, "sh", "-c",
                     "echo via-socket; sleep 1")
    assert r.returncode == 0, r.stderr
    conn, _ = srv.accept()
    _, fds, _, _ = socket.recv_fds(conn, 1024, 1)
    out = b""
    end = time.time() + 10
    while b"via-socket" not in out and time.time() < end:
        try:
            out += os.read(fds[0], 1024)
        except OSError:
            break
    os.close(fds[0])
    conn.close()
    srv.close()
    assert b"via-socket" in out


def test_exec_preserve_fds(bundle, running, tmp_path):
    import subprocess
    marker = str(tmp_path / "m")
    r = subprocess.run(["sh", "-c", 'exec 3>"$0"; exec "$@"', marker, conftest.SKIFF, "--root",
                        bundle.root, "exec", "--preserve-fds", "1", running, "sh", "-c",
                        "echo through-fd3 >&3; ls /proc/self/fd"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert open(marker).read().strip() == "through-fd3"
