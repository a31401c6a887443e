# SPDX-License-Identifier: GPL-2.0-or-later
"""The command line: help and version, global flags, ID validation, state, list, kill, delete,
the --log file, spec and features.  Behaviour is checked from the container's side where there
is one (its /proc entry, files it writes), not only from exit codes."""
import json
import os
import re
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import SKIFF, TEST_PREFIX

COMMANDS = ["create", "start", "run", "state", "list", "kill", "delete", "exec", "ps", "pause",
            "resume", "update", "events", "spec", "features"]

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def skiff(*args, **kw):
    return subprocess.run([SKIFF, *args], capture_output=True, text=True, timeout=60, **kw)


def wait_for(cond, what, timeout=60):
    """Poll until cond() is true; the timeout only bounds a hang, it is not a measurement."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def state_entries(b):
    return sorted(os.listdir(b.root)) if os.path.isdir(b.root) else []


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")[:-1]
    except OSError:
        return []


def started(b, args, **kw):
    """create + start a container running args; returns its ID."""
    cid = b.create(args, **kw)
    b.skiff("start", cid, check=True)
    return cid


SIGNAL_SCRIPT = (
    "for s in USR1 USR2 TERM HUP; do trap \"echo $s >> /tmp/signals\" $s; done; "
    "echo ready > /tmp/ready; while :; do sleep 0.05; done")


def signals_seen(b):
    try:
        with open(os.path.join(b.rootfs, "tmp", "signals")) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


# ---- help, version, usage errors ----

@pytest.mark.parametrize("cmd", COMMANDS)
def test_help_of_every_command(cmd):
    r = skiff(cmd, "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Usage: skiff " + cmd), r.stdout
    assert r.stderr == ""
    h = skiff("help", cmd)
    assert h.returncode == 0 and h.stdout == r.stdout


def test_global_help_lists_every_command():
    for args in (["--help"], ["-h"], ["help"]):
        r = skiff(*args)
        assert r.returncode == 0, r.stderr
        for cmd in COMMANDS:
            assert re.search(r"^  %s\s" % cmd, r.stdout, re.M), (cmd, r.stdout)
        for flag in ("--root", "--log", "--log-format", "--debug", "--systemd-cgroup",
                     "--cgroup-manager", "--version"):
            assert flag in r.stdout


def test_version():
    for flag in ("--version", "-v"):
        r = skiff(flag)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert re.match(r"^skiff version \d+\.\d+\.\d+", lines[0]), lines
        assert "spec: 1.2.0" in lines
        assert any(re.match(r"^commit: \S+", l) for l in lines)
        assert any(re.match(r"^libseccomp: \d+\.\d+\.\d+$", l) for l in lines), lines


@pytest.mark.parametrize("args,message", [
    ([], "missing command"),
    (["frobnicate"], 'unknown command "frobnicate"'),
    (["--frobnicate", "list"], 'unknown global option "--frobnicate"'),
    (["--root"], 'option "--root" needs a value'),
    (["--log-format", "yaml", "list"], '--log-format "yaml"'),
    (["--cgroup-manager", "lxc", "list"], '--cgroup-manager "lxc"'),
    (["--rootless=maybe", "list"], "--rootless=maybe"),
    (["create"], "create: missing container ID"),
    (["start"], "start: missing container ID"),
    (["state"], "state: missing container ID"),
    (["kill"], "kill: missing container ID"),
    (["delete"], "delete: missing container ID"),
    (["run"], "run: missing container ID"),
    (["create", "--frobnicate", "x"], 'create: unknown option "--frobnicate"'),
    (["create", "--keep", "x"], 'create: unknown option "--keep"'),
    (["create", "--bundle"], 'create: option "--bundle" needs a value'),
    (["create", "a", "b"], "create: expected one container ID, got 2"),
    (["start", "a", "b"], "start: expected one container ID, got 2"),
    (["kill", "a", "KILL", "extra"], "kill:"),
    (["create", "--preserve-fds", "many", "x"], '--preserve-fds "many"'),
    (["create", "--no-pivot=perhaps", "x"], "--no-pivot=perhaps"),
    (["list", "--format", "yaml"], 'list: --format "yaml"'),
    (["list", "extra"], 'list: unexpected argument "extra"'),
    (["features", "extra"], 'features: unexpected argument "extra"'),
])
def test_usage_errors(tmp_path, args, message):
    root = str(tmp_path / "root")
    r = skiff("--root", root, *args) if args[:1] != ["--root"] else skiff(*args)
    assert r.returncode == 1, (args, r.stdout, r.stderr)
    assert message in r.stderr, (args, r.stderr)
    assert r.stderr.count("\n") == 1, r.stderr  # said once
    assert not os.path.isdir(root) or os.listdir(root) == []


# ---- container IDs ----

@pytest.mark.parametrize("cid", ["a/b", "../escape", "..", ".", "", "a b", "tab\there", "x" * 1025,
                                 "caf\u00e9", "semi;colon", "/abs"])
def test_invalid_ids_refused_and_nothing_left(bundle, cid):
    bundle.write_config()
    for cmd in (["create", "--bundle", bundle.dir, cid], ["run", "--bundle", bundle.dir, cid]):
        r = bundle.skiff(*cmd)
        assert r.returncode == 1, r.stderr
        assert "invalid container ID" in r.stderr, r.stderr
        assert len(r.stderr) < 400  # a 1025-byte ID is not echoed whole
        assert state_entries(bundle) == []
    for cmd in (["state", cid], ["start", cid], ["kill", cid, "KILL"], ["delete", cid],
                ["delete", "--force", cid]):
        r = bundle.skiff(*cmd)
        assert r.returncode == 1 and "invalid container ID" in r.stderr, (cmd, r.stderr)
    # nothing escaped the state root either
    assert not os.path.exists(os.path.join(os.path.dirname(bundle.root), "escape"))


def test_valid_unusual_ids(bundle):
    for cid in (TEST_PREFIX + "A.b+c_d-1", TEST_PREFIX + "x" * 200):
        bundle.ids.append(cid)
        bundle.create(["true"], cid=cid)
        st = bundle.state(cid)
        assert st["id"] == cid and st["status"] == "created"
        assert bundle.delete(cid, force=False).returncode == 0
    assert state_entries(bundle) == []


def test_id_longer_than_a_file_name(bundle):
    cid = TEST_PREFIX + "y" * 300  # allowed by the ID rules, too long for a directory name
    bundle.write_config()
    r = bundle.skiff("create", "--bundle", bundle.dir, cid)
    assert r.returncode == 1 and "invalid container ID" in r.stderr, r.stderr
    assert state_entries(bundle) == []


def test_duplicate_create_refused(bundle):
    cid = bundle.create(["sleep", "1000"])
    first = bundle.state(cid)
    r = bundle.skiff("create", "--bundle", bundle.dir, cid)
    assert r.returncode == 1
    assert 'container "%s" already exists' % cid in r.stderr, r.stderr
    # the existing container is untouched: same init, still waiting
    again = bundle.state(cid)
    assert again["pid"] == first["pid"] and again["status"] == "created"
    assert os.path.exists("/proc/%d" % first["pid"])
    assert bundle.delete(cid, force=False).returncode == 0


def test_concurrent_creates_of_one_id(bundle):
    bundle.config["process"]["args"] = ["sleep", "1000"]
    bundle.write_config()
    cid = bundle.new_id()
    # stderr to files: the one create that wins leaves an init holding its stdio open
    errs = [tempfile.TemporaryFile("w+") for _ in range(4)]
    procs = [subprocess.Popen([SKIFF, "--root", bundle.root, "create", "--bundle", bundle.dir, cid],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=e,
                              text=True)
             for e in errs]
    results = []
    for p, e in zip(procs, errs):
        rc = p.wait(timeout=60)
        e.seek(0)
        results.append((rc, e.read()))
        e.close()
    assert [rc for rc, _ in results].count(0) == 1, results
    for rc, err in results:
        if rc:
            assert "already exists" in err, err
    assert bundle.state(cid)["status"] == "created"
    assert state_entries(bundle) == [cid]
    bundle.delete(cid)


# ---- state ----

def test_state_lifecycle(bundle):
    cid = bundle.create(["sleep", "1000"])
    st = bundle.state(cid)
    assert set(st) >= {"ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"}
    assert st["ociVersion"] == "1.2.0"
    assert st["id"] == cid and st["status"] == "created"
    assert st["bundle"] == bundle.dir
    assert st["rootfs"] == bundle.rootfs
    assert RFC3339.match(st["created"]), st["created"]
    pid = st["pid"]
    assert pid > 0
    assert cmdline(pid)[:1] != [b"sleep"]  # the user process has not run yet

    bundle.skiff("start", cid, check=True)
    st = bundle.state(cid)
    assert st["status"] == "running" and st["pid"] == pid
    wait_for(lambda: cmdline(pid)[:1] == [b"sleep"], "the init to exec sleep")

    r = bundle.skiff("start", cid)
    assert r.returncode == 1 and "running" in r.stderr, r.stderr

    bundle.skiff("kill", cid, "KILL", check=True)
    wait_for(lambda: bundle.state(cid)["status"] == "stopped", "status stopped")
    st = bundle.state(cid)
    assert st["pid"] == 0
    assert not os.path.exists("/proc/%d" % pid) or cmdline(pid)[:1] != [b"sleep"]

    bundle.skiff("delete", cid, check=True)
    r = bundle.skiff("state", cid)
    assert r.returncode == 1 and 'container "%s" does not exist' % cid in r.stderr, r.stderr
    assert state_entries(bundle) == []


def test_state_annotations(bundle):
    bundle.config["annotations"] = {"org.example.key": "value \"quoted\"", "empty": ""}
    cid = bundle.create(["true"])
    st = bundle.state(cid)
    assert st["annotations"] == bundle.config["annotations"]
    bundle.delete(cid)


def test_init_killed_from_outside_is_stopped(bundle):
    cid = started(bundle, ["sleep", "1000"])
    pid = bundle.state(cid)["pid"]
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: bundle.state(cid)["status"] == "stopped", "status stopped")
    assert bundle.state(cid)["pid"] == 0
    r = bundle.skiff("kill", cid, "TERM")
    assert r.returncode == 1 and "not running" in r.stderr, r.stderr
    assert bundle.delete(cid, force=False).returncode == 0


def test_create_pid_file_and_bundle_short_flag(bundle, tmp_path):
    bundle.write_config()
    cid = bundle.new_id()
    pidfile = str(tmp_path / "init.pid")
    bundle.skiff("create", "-b", bundle.dir, "--pid-file", pidfile, cid, check=True)
    with open(pidfile) as f:
        assert int(f.read().strip()) == bundle.state(cid)["pid"]
    bundle.delete(cid)


def test_relative_bundle(bundle):
    bundle.write_config()
    cid = bundle.new_id()
    parent = os.path.dirname(bundle.dir)
    r = bundle.skiff("create", "--bundle", os.path.basename(bundle.dir), cid, cwd=parent)
    assert r.returncode == 0, r.stderr
    assert bundle.state(cid)["bundle"] == bundle.dir  # stored absolute
    bundle.delete(cid)


# ---- list ----

def test_list_formats(bundle):
    assert bundle.skiff("list", check=True).stdout.split() == \
        ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    assert bundle.skiff("list", "-q", check=True).stdout == ""
    assert json.loads(bundle.skiff("list", "--format", "json", check=True).stdout) in ([], None)

    a = bundle.create(["sleep", "1000"])
    b = started(bundle, ["sleep", "1000"])

    assert bundle.skiff("list", "--quiet", check=True).stdout.split() == sorted([a, b])

    table = bundle.skiff("list", check=True).stdout.splitlines()
    assert table[0].split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    rows = {l.split()[0]: l.split() for l in table[1:]}
    assert set(rows) == {a, b}
    assert rows[a][1] == str(bundle.state(a)["pid"]) and rows[a][2] == "created"
    assert rows[b][2] == "running"
    assert rows[a][3] == bundle.dir and RFC3339.match(rows[a][4]) and rows[a][5] == "root"
    # columns line up, as runc's tabwriter does
    col = table[0].index("STATUS")
    for line in table[1:]:
        assert line[col - 1] == " " and line[col:].split()[0] == rows[line.split()[0]][2]

    for fmt in (["--format", "json"], ["-f", "json"], ["--format=json"]):
        items = json.loads(bundle.skiff("list", *fmt, check=True).stdout)
        by_id = {i["id"]: i for i in items}
        assert set(by_id) == {a, b}
        assert by_id[a]["status"] == "created" and by_id[b]["status"] == "running"
        for cid, i in by_id.items():
            assert i["pid"] == bundle.state(cid)["pid"] > 0
            assert i["bundle"] == bundle.dir and i["owner"] == "root"
            assert RFC3339.match(i["created"])

    # a stray entry in the root does not break list
    os.mkdir(os.path.join(bundle.root, "not:an-id"))
    try:
        assert bundle.skiff("list", "-q", check=True).stdout.split() == sorted([a, b])
    finally:
        os.rmdir(os.path.join(bundle.root, "not:an-id"))
    bundle.delete(a)
    bundle.delete(b)


def test_list_does_not_wait_for_a_locked_container(bundle):
    import fcntl
    cid = bundle.create(["sleep", "1000"])
    fd = os.open(os.path.join(bundle.root, cid), os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        r = bundle.skiff("list", "-q", timeout=30)
        assert r.returncode == 0 and r.stdout.split() == [cid]
    finally:
        os.close(fd)
    bundle.delete(cid)


SYS_FLOCK = {"x86_64": 73, "aarch64": 32}.get(os.uname().machine)


def in_syscall(pid):
    try:
        with open("/proc/%d/syscall" % pid) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def test_commands_on_one_id_wait_for_the_lock(bundle):
    import fcntl
    if SYS_FLOCK is None:
        pytest.skip("flock syscall number unknown on " + os.uname().machine)
    cid = bundle.create(["sleep", "1000"])
    init = bundle.state(cid)["pid"]
    fd = os.open(os.path.join(bundle.root, cid), os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    p = subprocess.Popen([SKIFF, "--root", bundle.root, "start", cid],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # start blocks in flock(2) on the container's directory and does nothing meanwhile
        wait_for(lambda: in_syscall(p.pid) == SYS_FLOCK or p.poll() is not None,
                 "start to block on the lock")
        assert p.poll() is None, "start did not wait for the lock: %s" % p.stderr.read()
        assert cmdline(init)[:1] != [b"sleep"]
        assert os.path.exists(os.path.join(bundle.root, cid, "exec.fifo"))
    finally:
        os.close(fd)
    assert p.wait(timeout=60) == 0, p.stderr.read()
    p.stdout.close()
    p.stderr.close()
    assert bundle.state(cid)["status"] == "running"
    bundle.delete(cid)


# ---- kill ----

def test_kill_signal_names_and_numbers(bundle):
    bundle.config["root"]["readonly"] = False
    cid = started(bundle, ["sh", "-c", SIGNAL_SCRIPT])
    wait_for(lambda: os.path.exists(os.path.join(bundle.rootfs, "tmp", "ready")), "the script")
    expected = []
    for sig, name in (("USR1", "USR1"), ("SIGUSR2", "USR2"), (str(int(signal.SIGHUP)), "HUP"),
                      ("usr1", "USR1"), (None, "TERM")):
        bundle.skiff("kill", cid, *([sig] if sig else []), check=True)
        expected.append(name)
        wait_for(lambda: signals_seen(bundle) == expected, "signal %s" % name)
    r = bundle.skiff("kill", cid, "NOTASIGNAL")
    assert r.returncode == 1 and 'unknown signal "NOTASIGNAL"' in r.stderr, r.stderr
    r = bundle.skiff("kill", cid, "999")
    assert r.returncode == 1
    assert bundle.state(cid)["status"] == "running"
    bundle.skiff("kill", cid, "SIGKILL", check=True)
    wait_for(lambda: bundle.state(cid)["status"] == "stopped", "status stopped")
    r = bundle.skiff("kill", cid, "KILL")
    assert r.returncode == 1 and "not running" in r.stderr, r.stderr
    bundle.delete(cid, force=False)


def test_kill_all_and_options_after_arguments(bundle):
    # The init (sh as pid 1 of its namespace, no handler) is immune to TERM; its children are not:
    # only --all, through the cgroup, reaches them.
    cid = started(bundle, ["sh", "-c", "sleep 1000 & sleep 1000 & while :; do sleep 0.05; done"])
    init = bundle.state(cid)["pid"]
    wait_for(lambda: len([k for k in children(init) if b"1000" in cmdline(k)]) == 2,
             "two children")
    kids = [k for k in children(init) if b"1000" in cmdline(k)]
    bundle.skiff("kill", cid, "TERM", "--all", check=True)  # options after arguments, as urfave
    for k in kids:
        wait_for(lambda: not alive(k), "child %d gone" % k)
    assert alive(init) and bundle.state(cid)["status"] == "running"
    bundle.skiff("kill", "-a", cid, "KILL", check=True)
    wait_for(lambda: bundle.state(cid)["status"] == "stopped", "status stopped")
    r = bundle.skiff("delete", cid, "--force")
    assert r.returncode == 0, r.stderr


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


# ---- delete ----

def test_delete_refuses_running_without_force(bundle):
    cid = started(bundle, ["sleep", "1000"])
    pid = bundle.state(cid)["pid"]
    r = bundle.skiff("delete", cid)
    assert r.returncode == 1
    assert "running" in r.stderr and "--force" in r.stderr, r.stderr
    assert bundle.state(cid)["status"] == "running" and alive(pid)
    r = bundle.skiff("delete", "--force", cid)
    assert r.returncode == 0, r.stderr
    assert state_entries(bundle) == []
    wait_for(lambda: not alive(pid), "the init gone")


def test_delete_created_and_several_ids(bundle):
    a = bundle.create(["true"])
    b = bundle.create(["true"])
    pids = [bundle.state(c)["pid"] for c in (a, b)]
    r = bundle.skiff("delete", a, b)
    assert r.returncode == 0, r.stderr
    assert state_entries(bundle) == []
    for p in pids:
        wait_for(lambda: not alive(p), "init %d gone" % p)


def test_delete_missing(bundle):
    r = bundle.skiff("delete", "skt-nothere")
    assert r.returncode == 1 and 'container "skt-nothere" does not exist' in r.stderr
    # runc: --force on a missing container succeeds (the shims depend on it)
    for args in (["--force"], ["-f"], ["--force=true"]):
        r = bundle.skiff("delete", *args, "skt-nothere")
        assert r.returncode == 0 and r.stderr == "", r.stderr


# ---- global flags ----

def test_log_file_json(bundle, tmp_path):
    log = str(tmp_path / "log.json")
    r = bundle.skiff("state", "skt-missing", global_args=("--log", log, "--log-format", "json"))
    assert r.returncode == 1
    assert "does not exist" in r.stderr  # the user still sees it
    with open(log) as f:
        lines = [json.loads(l) for l in f.read().splitlines()]
    errors = [l for l in lines if l["level"] == "error"]
    assert len(errors) == 1, lines
    assert 'container "skt-missing" does not exist' in errors[0]["msg"]
    assert RFC3339.match(errors[0]["time"]), errors[0]
    # a failing create reaches the log too, with the config's problem named
    bundle.config["process"]["args"] = 42
    bundle.write_config()
    r = bundle.skiff("create", "--bundle", bundle.dir, "skt-bad",
                     global_args=("--log", log, "--log-format=json"))
    assert r.returncode == 1
    with open(log) as f:
        lines = [json.loads(l) for l in f.read().splitlines()]
    assert lines[-1]["level"] == "error" and "args" in lines[-1]["msg"], lines
    assert state_entries(bundle) == []


def test_log_file_text_and_debug(bundle, tmp_path):
    log = str(tmp_path / "log.txt")
    r = bundle.skiff("state", "skt-missing", global_args=("--log", log, "--debug"))
    assert r.returncode == 1
    with open(log) as f:
        text = f.read()
    assert re.search(r'^error: container "skt-missing" does not exist$', text, re.M), text
    assert re.search(r"^debug: ", text, re.M), text
    r = bundle.skiff("list", global_args=("--log", str(tmp_path / "nodir" / "x.log")))
    assert r.returncode == 1 and "log" in r.stderr


def test_orchestrator_global_flags_accepted(bundle):
    for flags in (["--systemd-cgroup"], ["--systemd-cgroup=false"], ["--rootless=false"],
                  ["--rootless"], ["--cgroup-manager", "cgroupfs"],
                  ["--cgroup-manager=disabled"], ["--log-level", "debug"], ["-debug"],
                  ["--criu", "/usr/sbin/criu"], ["-root", bundle.root]):
        r = bundle.skiff("list", global_args=tuple(flags))
        assert r.returncode == 0, (flags, r.stderr)


def test_systemd_cgroup_manager_refused_at_create(bundle):
    bundle.write_config()
    for flags in (("--systemd-cgroup",), ("--cgroup-manager", "systemd")):
        r = bundle.skiff("create", "--bundle", bundle.dir, "skt-sd", global_args=flags)
        assert r.returncode == 1
        assert "systemd" in r.stderr and "cgroupfs" in r.stderr, r.stderr
        assert state_entries(bundle) == []


def test_bool_flag_values_and_go_style_flags(bundle):
    bundle.write_config()
    cid = bundle.new_id()
    r = bundle.skiff("create", "-bundle", bundle.dir, "--no-new-keyring=true", "--no-pivot=false",
                     cid)
    assert r.returncode == 0, r.stderr
    bundle.skiff("delete", cid, "--force=true", check=True)


# ---- run ----

def test_run_exit_status(bundle):
    r = bundle.run(["sh", "-c", "echo out; echo err >&2; exit 7"])
    assert r.returncode == 7
    assert r.stdout == "out\n" and "err" in r.stderr
    assert state_entries(bundle) == []


def test_run_keep_and_detach(bundle):
    cid = bundle.new_id()
    r = bundle.run(["true"], cid=cid, extra=("--keep",))
    assert r.returncode == 0, r.stderr
    assert bundle.state(cid)["status"] == "stopped"
    bundle.skiff("delete", cid, check=True)
    cid = bundle.new_id()
    r = bundle.run(["sleep", "1000"], cid=cid, extra=("--detach",))
    assert r.returncode == 0, r.stderr
    st = bundle.state(cid)
    assert st["status"] == "running"
    wait_for(lambda: cmdline(st["pid"])[:1] == [b"sleep"], "the init to exec sleep")
    bundle.delete(cid)


# ---- spec ----

def test_spec(tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    r = skiff("spec", "--bundle", str(d))
    assert r.returncode == 0, r.stderr
    cfg = json.loads((d / "config.json").read_text())
    assert cfg["ociVersion"].startswith("1.")
    assert cfg["root"]["path"] == "rootfs"
    assert cfg["process"]["args"] == ["sh"]
    types = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert {"pid", "mount", "network", "ipc", "uts"} <= types
    assert "user" not in types
    before = (d / "config.json").read_text()
    r = skiff("spec", "-b", str(d))
    assert r.returncode == 1 and "exists. Remove it first" in r.stderr, r.stderr
    assert (d / "config.json").read_text() == before
    # without --bundle: the current directory
    e = tmp_path / "cwd"
    e.mkdir()
    r = skiff("spec", cwd=str(e))
    assert r.returncode == 0 and json.loads((e / "config.json").read_text()) == cfg


def test_spec_rootless(tmp_path):
    r = skiff("spec", "--rootless", "--bundle", str(tmp_path))
    assert r.returncode == 0, r.stderr
    cfg = json.loads((tmp_path / "config.json").read_text())
    types = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert "user" in types and "network" not in types
    assert cfg["linux"]["uidMappings"][0]["hostID"] == os.getuid()
    assert cfg["linux"]["gidMappings"][0]["hostID"] == os.getgid()
    assert cfg["linux"]["uidMappings"][0]["containerID"] == 0


def test_spec_config_runs(bundle):
    if os.path.exists(os.path.join(bundle.dir, "config.json")):
        os.unlink(os.path.join(bundle.dir, "config.json"))
    r = bundle.skiff("spec", "--bundle", bundle.dir)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(bundle.dir, "config.json")) as f:
        cfg = json.load(f)
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["sh", "-c", "echo hello from $(hostname)"]
    bundle.config = cfg
    r = bundle.run()
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hello from %s\n" % cfg.get("hostname", "")


# ---- features ----

def test_features():
    r = skiff("features")
    assert r.returncode == 0, r.stderr
    f = json.loads(r.stdout)
    assert f["ociVersionMin"] == "1.0.0" and f["ociVersionMax"] == "1.2.0"
    # runtime-spec 1.2.0 defines these keys and no others
    assert set(f) <= {"ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux",
                      "annotations", "potentiallyUnsafeConfigAnnotations"}
    assert set(f["linux"]) <= {"namespaces", "capabilities", "cgroup", "seccomp", "apparmor",
                               "selinux", "intelRdt", "mountExtensions"}
    assert f["hooks"] == ["prestart", "createRuntime", "createContainer", "startContainer",
                          "poststart", "poststop"]
    for opt in ("ro", "rw", "nosuid", "nodev", "noexec", "bind", "rbind", "rprivate", "rshared",
                "rslave", "rro", "idmap", "strictatime"):
        assert opt in f["mountOptions"], opt
    assert not any("=" in o for o in f["mountOptions"])
    lx = f["linux"]
    assert set(lx["namespaces"]) >= {"cgroup", "ipc", "mount", "network", "pid", "user", "uts",
                                     "time"}
    assert {"CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_NET_RAW", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"} <= \
        set(lx["capabilities"])
    assert len(set(lx["capabilities"])) == len(lx["capabilities"])
    assert lx["cgroup"]["v1"] is True and lx["cgroup"]["v2"] is True
    assert lx["cgroup"]["systemd"] is False
    sc = lx["seccomp"]
    assert sc["enabled"] is True
    assert {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_NOTIFY"} <= \
        set(sc["actions"])
    assert {"SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ"} <= set(sc["operators"])
    assert "SCMP_ARCH_X86_64" in sc["archs"]
    assert set(sc["supportedFlags"]) <= set(sc["knownFlags"])
    assert "SECCOMP_FILTER_FLAG_TSYNC" in sc["supportedFlags"]
    assert lx["mountExtensions"]["idmap"]["enabled"] is True
    assert f["annotations"]["io.github.seccomp.libseccomp.version"]
