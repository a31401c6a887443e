# SPDX-License-Identifier: GPL-2.0-or-later
"""skiff under the real clients: podman 4.3, containerd 1.6 (ctr, the runc shim v2 path that
Kubernetes uses) and Docker 20.10.  Each daemon is started here on private sockets and state
directories, and stopped and removed afterwards.  A client that is not installed is skipped with
the reason (apt-get install -y podman containerd docker.io).

SKIFF_ORCH_RUNTIME=/usr/sbin/runc runs the same tests against runc (to check the tests)."""
import json
import os
import shutil
import subprocess
import tarfile
import time

import pytest

from conftest import SKIFF, make_base_rootfs

RUNTIME = os.environ.get("SKIFF_ORCH_RUNTIME") or SKIFF
DOCKER = "/usr/bin/docker"  # Debian's client, matching dockerd 20.10's API
ULIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=1000:1000"]
IMAGE = "localhost/skiff-test-bb:latest"


def need(*cmds):
    for c in cmds:
        if shutil.which(c) is None:
            pytest.skip("%s is not installed (apt-get install -y podman containerd docker.io)" % c)


def sh(cmd, check=True, timeout=120, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s -> %d\nstdout: %s\nstderr: %s" % (cmd, r.returncode, r.stdout, r.stderr))
    return r


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    d = tmp_path_factory.mktemp("orch")
    yield str(d)
    for line in reversed(open("/proc/self/mountinfo").read().splitlines()):
        mp = line.split()[4]
        if mp.startswith(str(d)):
            subprocess.run(["umount", "-l", mp])


@pytest.fixture(scope="module")
def podman(work):
    need("podman")
    base = os.path.join(work, "podman")
    cmd = ["podman", "--root", base + "/store", "--runroot", base + "/run", "--tmpdir", base + "/tmp",
           "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--runtime", RUNTIME]
    tar = os.path.join(work, "rootfs.tar")
    with tarfile.open(tar, "w") as t:
        t.add(make_base_rootfs(), arcname=".")
    sh(cmd + ["import", tar, IMAGE])
    yield cmd
    sh(cmd + ["rm", "-af", "-t", "0"], check=False)
    sh(cmd + ["system", "reset", "-f"], check=False)


@pytest.fixture(scope="module")
def archives(work, podman):
    oci = os.path.join(work, "bb-oci.tar")
    dck = os.path.join(work, "bb-docker.tar")
    sh(podman + ["save", "-q", "--format", "oci-archive", "-o", oci, IMAGE])
    sh(podman + ["save", "-q", "--format", "docker-archive", "-o", dck, IMAGE])
    return {"oci": oci, "docker": dck}


def wait_for(pred, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def containerd(work):
    need("containerd", "ctr")
    base = os.path.join(work, "ctd")
    os.makedirs(base)
    sock = base + "/containerd.sock"
    with open(base + "/config.toml", "w") as f:
        f.write('version = 2\nroot = "%s/root"\nstate = "%s/state"\n[grpc]\n  address = "%s"\n'
                '[ttrpc]\n  address = "%s.ttrpc"\n[debug]\n  address = ""\n[metrics]\n  address = ""\n'
                '[plugins."io.containerd.grpc.v1.cri"]\n  disable_tcp_service = true\n'
                % (base, base, sock, sock))
    log = open(base + "/log", "w")
    p = subprocess.Popen(["containerd", "--config", base + "/config.toml"], stdout=log, stderr=log)
    assert wait_for(lambda: os.path.exists(sock)), "containerd did not start"
    yield {"sock": sock, "ctr": ["ctr", "-a", sock, "-n", "skiff-test"]}
    p.terminate()
    p.wait(timeout=30)


@pytest.fixture(scope="module")
def ctr_image(containerd, archives):
    sh(containerd["ctr"] + ["images", "import", archives["oci"]])
    return containerd["ctr"]


@pytest.fixture(scope="module")
def docker(work, containerd, archives):
    need("dockerd")
    if not os.path.exists(DOCKER):
        pytest.skip("Debian's docker client is not installed (apt-get install -y docker.io)")
    base = os.path.join(work, "docker")
    os.makedirs(base)
    sock = "unix://" + base + "/docker.sock"
    log = open(base + "/log", "w")
    p = subprocess.Popen(["dockerd", "--iptables=false", "--ip6tables=false", "--bridge=none",
                          "--containerd", containerd["sock"], "--add-runtime", "skiff=" + RUNTIME,
                          "-H", sock, "--data-root", base + "/data", "--exec-root", base + "/exec",
                          "--pidfile", base + "/docker.pid"], stdout=log, stderr=log)
    cli = [DOCKER, "-H", sock]
    assert wait_for(lambda: sh(cli + ["info"], check=False).returncode == 0, 60), "dockerd did not start"
    sh(cli + ["load", "-q", "-i", archives["docker"]])
    yield cli
    sh(cli + ["rm", "-f"] + sh(cli + ["ps", "-aq"], check=False).stdout.split(), check=False)
    p.terminate()
    p.wait(timeout=60)


def in_tty(cmd):
    """Run cmd under a pty (util-linux `script`), as a user at a terminal would."""
    return sh(["script", "-qec", " ".join("'%s'" % c.replace("'", "'\\''") for c in cmd), "/dev/null"],
              check=False, stdin=subprocess.DEVNULL)


def mem_limit_inside(run):
    """The memory limit the container sees in its cgroup (v1 or v2 layout)."""
    return run(["sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || "
                            "cat /sys/fs/cgroup/memory.max"]).stdout.strip()


# ---------------- podman ----------------

def prun(podman, args, opts=(), check=True):
    return sh(podman + ["run", "--rm", *ULIMITS, "--network", "none", *opts, IMAGE, *args], check=check)


def test_podman_run_output_and_exit_codes(podman):
    assert prun(podman, ["echo", "hello from skiff"]).stdout.strip() == "hello from skiff"
    assert prun(podman, ["sh", "-c", "exit 3"], check=False).returncode == 3


def test_podman_tty(podman):
    r = in_tty(podman + ["run", "--rm", "-it", *ULIMITS, "--network", "none", IMAGE, "sh", "-c",
                         "tty; [ -t 0 ] && echo STDIN-IS-TTY"])
    assert "/dev/pts/0" in r.stdout and "STDIN-IS-TTY" in r.stdout, r.stdout + r.stderr


def test_podman_exec_stop_pause(podman):
    name = "skiff-orch-pod"
    sh(podman + ["run", "-d", "--name", name, *ULIMITS, "--network", "none", IMAGE, "sh", "-c",
                 "trap 'exit 0' TERM; i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done"])
    try:
        r = sh(podman + ["exec", name, "cat", "/proc/1/cmdline"])
        assert "while" in r.stdout
        assert sh(podman + ["exec", name, "sh", "-c", "exit 7"], check=False).returncode == 7
        sh(podman + ["pause", name])
        st = json.loads(sh(podman + ["inspect", name]).stdout)[0]["State"]["Status"]
        assert st == "paused"
        # a paused container makes no progress (read the counter through the host's view of it)
        pid = json.loads(sh(podman + ["inspect", name]).stdout)[0]["State"]["Pid"]
        c1 = open("/proc/%d/root/tmp/count" % pid).read()
        time.sleep(0.5)
        assert open("/proc/%d/root/tmp/count" % pid).read() == c1
        sh(podman + ["unpause", name])
        time.sleep(0.5)
        assert open("/proc/%d/root/tmp/count" % pid).read() != c1
        sh(podman + ["stop", "-t", "20", name])
        st = json.loads(sh(podman + ["inspect", name]).stdout)[0]["State"]
        # exit 0 comes from the TERM trap: the container got SIGTERM (KILL would give 137)
        assert st["Status"] == "exited" and st["ExitCode"] == 0, st
    finally:
        sh(podman + ["rm", "-f", name], check=False)


def test_podman_stop_escalates_to_kill(podman):
    name = "skiff-orch-stubborn"
    sh(podman + ["run", "-d", "--name", name, *ULIMITS, "--network", "none", IMAGE, "sh", "-c",
                 "trap '' TERM; while :; do sleep 0.1; done"])
    try:
        sh(podman + ["stop", "-t", "1", name], check=False)
        st = json.loads(sh(podman + ["inspect", name]).stdout)[0]["State"]
        assert st["Status"] == "exited" and st["ExitCode"] == 137, st
    finally:
        sh(podman + ["rm", "-f", name], check=False)


def test_podman_limits_caps_user_readonly_volume(podman, tmp_path):
    run = lambda args, opts=(): prun(podman, args, opts)
    lim = mem_limit_inside(lambda a: prun(podman, a, ["--memory", "64m"]))
    assert lim == str(64 * 1024 * 1024), lim
    pids = run(["sh", "-c", "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max"],
               ["--pids-limit", "42"]).stdout.strip()
    assert pids == "42"
    status = run(["cat", "/proc/self/status"], ["--cap-drop", "ALL"]).stdout
    assert "CapEff:\t0000000000000000" in status
    status = run(["cat", "/proc/self/status"], ["--cap-drop", "NET_RAW"]).stdout
    eff = int([l for l in status.splitlines() if l.startswith("CapEff")][0].split()[1], 16)
    assert eff != 0 and not eff & (1 << 13)  # CAP_NET_RAW is 13
    assert run(["id", "-u"], ["--user", "1000:1000"]).stdout.strip() == "1000"
    r = prun(podman, ["touch", "/newfile"], ["--read-only"], check=False)
    assert r.returncode != 0 and "Read-only" in r.stderr
    (tmp_path / "vol").mkdir()
    (tmp_path / "vol" / "hostfile").write_text("from the host")
    assert run(["cat", "/data/hostfile"], ["-v", "%s:/data" % (tmp_path / "vol")]).stdout == "from the host"
    run(["sh", "-c", "echo back > /data/fromc"], ["-v", "%s:/data" % (tmp_path / "vol")])
    assert (tmp_path / "vol" / "fromc").read_text() == "back\n"


def test_podman_network_none(podman):
    devs = prun(podman, ["cat", "/proc/net/dev"]).stdout
    ifaces = [l.split(":")[0].strip() for l in devs.splitlines()[2:]]
    assert ifaces == ["lo"], ifaces


def test_podman_default_network(podman):
    r = sh(podman + ["run", "--rm", *ULIMITS, IMAGE, "cat", "/proc/net/dev"], check=False)
    if r.returncode != 0 and ("netavark" in r.stderr or "CNI" in r.stderr or "network" in r.stderr):
        pytest.skip("podman's default network does not work on this host: " + r.stderr.strip()[-200:])
    assert r.returncode == 0, r.stderr
    ifaces = [l.split(":")[0].strip() for l in r.stdout.splitlines()[2:]]
    assert "lo" in ifaces and len(ifaces) >= 2, ifaces


# ---------------- containerd ----------------

def test_containerd_run_exec_kill_metrics(ctr_image):
    ctr = ctr_image
    r = sh(ctr + ["run", "--rm", "--runc-binary", RUNTIME, IMAGE, "skiff-ctr-1", "echo", "via containerd"])
    assert r.stdout.strip() == "via containerd"
    r = sh(ctr + ["run", "--rm", "--runc-binary", RUNTIME, IMAGE, "skiff-ctr-2", "sh", "-c", "exit 5"],
           check=False)
    assert r.returncode == 5
    sh(ctr + ["run", "-d", "--runc-binary", RUNTIME, IMAGE, "skiff-ctr-3", "sleep", "1000"])
    try:
        r = sh(ctr + ["task", "exec", "--exec-id", "e1", "skiff-ctr-3", "cat", "/proc/1/cmdline"])
        assert r.stdout.replace("\0", " ").strip() == "sleep 1000"
        r = sh(ctr + ["task", "metrics", "skiff-ctr-3"])
        assert "memory" in r.stdout.lower() or "pids" in r.stdout.lower(), r.stdout
        tasks = sh(ctr + ["task", "ls"]).stdout
        assert "skiff-ctr-3" in tasks and "RUNNING" in tasks
        sh(ctr + ["task", "kill", "-s", "KILL", "skiff-ctr-3"])
        assert wait_for(lambda: "STOPPED" in sh(ctr + ["task", "ls"]).stdout)
        sh(ctr + ["task", "delete", "skiff-ctr-3"])
    finally:
        sh(ctr + ["task", "delete", "-f", "skiff-ctr-3"], check=False)
        sh(ctr + ["container", "delete", "skiff-ctr-3"], check=False)


# ---------------- docker ----------------

def test_docker_run_exec_stop_tty(docker):
    r = sh(docker + ["run", "--rm", "--runtime", "skiff", "--network", "none", IMAGE, "echo", "via docker"])
    assert r.stdout.strip() == "via docker"
    assert sh(docker + ["run", "--rm", "--runtime", "skiff", "--network", "none", IMAGE, "sh", "-c",
                        "exit 4"], check=False).returncode == 4
    sh(docker + ["run", "-d", "--name", "skiff-dk", "--runtime", "skiff", "--network", "none", IMAGE,
                 "sleep", "1000"])
    try:
        r = sh(docker + ["exec", "skiff-dk", "cat", "/proc/1/cmdline"])
        assert r.stdout.replace("\0", " ").strip() == "sleep 1000"
        sh(docker + ["stop", "-t", "2", "skiff-dk"])
        st = json.loads(sh(docker + ["inspect", "skiff-dk"]).stdout)[0]["State"]
        assert st["Running"] is False
    finally:
        sh(docker + ["rm", "-f", "skiff-dk"], check=False)
    r = in_tty(docker + ["run", "--rm", "-it", "--runtime", "skiff", "--network", "none", IMAGE, "sh", "-c",
                         "tty; [ -t 0 ] && echo STDIN-IS-TTY"])
    assert "/dev/pts/0" in r.stdout and "STDIN-IS-TTY" in r.stdout, r.stdout + r.stderr
