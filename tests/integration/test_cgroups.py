# SPDX-License-Identifier: GPL-2.0-or-later
"""Resource control: cgroup v1, hybrid and pure v2.

Every limit is checked twice: in the cgroup files from the host, and by its effect from inside the
container (a memory hog is OOM-killed, a fork bomb stops at pids.max, a paused container makes no
progress, a denied device cannot be opened).  Runs on hybrid hosts (this machine) and on pure v2
(tests/vm/run-v2-lane.sh runs this file in a QEMU guest).
"""
import json
import os
import subprocess
import time

import pytest

CG = "/sys/fs/cgroup"


def cgroup_mode():
    def fstype(p):
        try:
            return subprocess.run(["stat", "-f", "-c", "%T", p], capture_output=True,
                                  text=True).stdout.strip()
        except OSError:
            return ""
    if fstype(CG) == "cgroup2fs":
        return "v2"
    return "hybrid" if fstype(CG + "/unified") == "cgroup2fs" else "v1"


MODE = cgroup_mode()
V2 = MODE == "v2"


def proc_cgroups(pid):
    """{controller-or-name: path} from /proc/PID/cgroup ("" for the v2 hierarchy)."""
    out = {}
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            for c in (ctrls.split(",") if ctrls else [""]):
                out[c.replace("name=", "")] = path
    return out


def host_dir(pid, controller):
    """The host directory of PID's cgroup holding `controller` (v1) or the v2 one."""
    cgs = proc_cgroups(pid)
    if V2:
        return CG + cgs[""]
    for name in os.listdir(CG):
        if controller in name.split(","):
            return os.path.join(CG, name) + cgs[controller]
    pytest.skip("this host has no %s cgroup hierarchy" % controller)


def host_read(pid, controller, v1file, v2file=None):
    d = host_dir(pid, controller)
    with open(os.path.join(d, (v2file or v1file) if V2 else v1file)) as f:
        return f.read().strip()


def inside_path(controller, v1file, v2file=None):
    """The same file seen from inside the container (cgroup namespace, cgroupfs at /sys/fs/cgroup)."""
    if V2:
        return "%s/%s" % (CG, v2file)
    return "%s/%s/%s" % (CG, controller, v1file)


def init_pid(bundle, cid):
    return bundle.state(cid)["pid"]


def start_sleeper(bundle, script="sleep 1000", resources=None, caps=()):
    if resources is not None:
        bundle.config["linux"]["resources"] = resources
    for c in caps:
        for k in ("bounding", "effective", "permitted"):
            bundle.config["process"]["capabilities"][k].append(c)
    cid = bundle.create(["sh", "-c", script])
    bundle.skiff("start", cid, check=True)
    return cid


def wait_for(cond, what, tries=400):
    for _ in range(tries):
        if cond():
            return
        time.sleep(0.025)
    raise AssertionError("timed out waiting for " + what)


def stopped(bundle, cid):
    r = bundle.skiff("state", cid)
    return r.returncode != 0 or json.loads(r.stdout)["status"] == "stopped"


# --- placement ------------------------------------------------------------------------------

def test_default_path_every_hierarchy(bundle):
    cid = start_sleeper(bundle)
    pid = init_pid(bundle, cid)
    cgs = proc_cgroups(pid)
    mine = proc_cgroups(os.getpid())
    # joined every hierarchy: v1 controllers, name=systemd, and the unified one on hybrid
    for ctrl, path in cgs.items():
        assert path.endswith("/" + cid), (ctrl, path)
    assert set(cgs) == set(mine)
    # inside: the cgroup namespace makes the container's cgroup its root
    r = bundle.skiff("exec", cid, "cat", "/proc/self/cgroup", check=True)
    assert all(line.endswith(":/") for line in r.stdout.split()), r.stdout
    bundle.skiff("kill", cid, "KILL", check=True)
    wait_for(lambda: stopped(bundle, cid), "the container to stop")
    bundle.skiff("delete", cid, check=True)
    for ctrl, path in cgs.items():
        assert not os.path.exists(host_dir_of(ctrl, path)), path


def host_dir_of(ctrl, path):
    if V2 or ctrl == "":
        return (CG + "/unified" if MODE == "hybrid" else CG) + path
    for name in os.listdir(CG):
        if ctrl in name.split(","):
            return os.path.join(CG, name) + path
    return "/nonexistent"


def test_absolute_nested_path_removed(bundle):
    parent = bundle.new_id()
    bundle.config["linux"]["cgroupsPath"] = "/%s/inner" % parent
    cid = start_sleeper(bundle)
    cgs = proc_cgroups(init_pid(bundle, cid))
    assert cgs["memory" if not V2 else ""] == "/%s/inner" % parent
    bundle.skiff("delete", "--force", cid, check=True)
    assert not any(parent in p for p in os.popen("find %s -maxdepth 3 -name '%s*'" % (CG, parent)))


def test_relative_path_is_under_own_cgroup(bundle):
    name = bundle.new_id()
    bundle.config["linux"]["cgroupsPath"] = name + "/rel"
    cid = start_sleeper(bundle)
    cgs = proc_cgroups(init_pid(bundle, cid))
    mine = proc_cgroups(os.getpid())
    for ctrl, path in cgs.items():
        base = mine[ctrl].rstrip("/")
        assert path == "%s/%s/rel" % (base, name), (ctrl, path, base)
    bundle.skiff("delete", "--force", cid, check=True)


def test_systemd_path_refused_with_cgroupfs(bundle):
    bundle.config["linux"]["cgroupsPath"] = "system.slice:skiff:abc"
    cid = bundle.new_id()
    bundle.write_config()
    r = bundle.skiff("create", "--bundle", bundle.dir, cid)
    assert r.returncode != 0
    assert "systemd" in r.stderr and "cgroupsPath" in r.stderr, r.stderr


def test_manager_disabled_creates_nothing(bundle):
    cid = bundle.new_id()
    bundle.config["process"]["args"] = ["sleep", "1000"]
    bundle.write_config()
    bundle.skiff("create", "--bundle", bundle.dir, cid, check=True,
                 global_args=("--cgroup-manager", "disabled"))
    pid = init_pid(bundle, cid)
    assert proc_cgroups(pid) == proc_cgroups(os.getpid())
    bundle.skiff("delete", "--force", cid, check=True, global_args=("--cgroup-manager", "disabled"))


def test_failed_create_leaves_no_cgroup(bundle):
    parent = bundle.new_id()
    bundle.config["linux"]["cgroupsPath"] = "/%s/leaf" % parent
    # a cpu list the host cannot have: the write fails after the directories were made
    bundle.config["linux"]["resources"] = {"cpu": {"cpus": "4000-4001"}}
    cid = bundle.new_id()
    bundle.write_config()
    r = bundle.skiff("create", "--bundle", bundle.dir, cid)
    assert r.returncode != 0
    assert "cpu.cpus" in r.stderr and "cpuset.cpus" in r.stderr, r.stderr
    left = subprocess.run(["find", CG, "-maxdepth", "3", "-name", parent + "*"],
                          capture_output=True, text=True).stdout
    assert left == "", left


def test_failed_mkdir_half_way_leaves_no_cgroup(bundle):
    # the parent level is made, then the leaf names a file of it (not a directory): the parent
    # goes too
    parent = bundle.new_id()
    bundle.config["linux"]["cgroupsPath"] = "/%s/cgroup.procs" % parent
    cid = bundle.new_id()
    bundle.write_config()
    r = bundle.skiff("create", "--bundle", bundle.dir, cid)
    assert r.returncode != 0
    assert "the cgroup" in r.stderr, r.stderr
    left = subprocess.run(["find", CG, "-maxdepth", "3", "-name", parent + "*"],
                          capture_output=True, text=True).stdout
    assert left == "", left


def test_path_cannot_inject_a_hierarchy_into_state(bundle):
    # '|' separates hierarchies in state.json's cgroup string: a later delete would remove (and
    # kill everything in) the injected host cgroup
    victim = bundle.new_id()
    os.mkdir(os.path.join(CG, "memory" if not V2 else "", victim))
    try:
        bundle.config["linux"]["cgroupsPath"] = "/%s|memory=/%s" % (bundle.new_id(), victim)
        cid = bundle.new_id()
        bundle.write_config()
        r = bundle.skiff("create", "--bundle", bundle.dir, cid)
        assert r.returncode != 0
        assert "cgroupsPath" in r.stderr and "'|'" in r.stderr, r.stderr
        assert os.path.isdir(os.path.join(CG, "memory" if not V2 else "", victim))
    finally:
        os.rmdir(os.path.join(CG, "memory" if not V2 else "", victim))


def test_missing_host_file_names_resource_and_file(bundle):
    bundle.config["linux"]["resources"] = {"hugepageLimits": [{"pageSize": "3MB", "limit": 0}]}
    cid = bundle.new_id()
    bundle.write_config()
    r = bundle.skiff("create", "--bundle", bundle.dir, cid)
    assert r.returncode != 0
    assert "hugepageLimits" in r.stderr and "hugetlb.3MB" in r.stderr, r.stderr


# --- memory ---------------------------------------------------------------------------------

def memory_limit_config(limit):
    mem = {"limit": limit}
    # no swap to hide in: memory+swap equal to the limit where the host accounts swap
    if V2 or os.path.exists(CG + "/memory/memory.memsw.limit_in_bytes"):
        mem["swap"] = limit
    return {"memory": mem}


def test_memory_limit_files_and_oom(bundle):
    limit = 32 << 20
    bundle.config["linux"]["resources"] = memory_limit_config(limit)
    r = bundle.run(["sh", "-c", "cat %s; dd if=/dev/zero of=/dev/null bs=64M count=1; echo survived"
                    % inside_path("memory", "memory.limit_in_bytes", "memory.max")])
    assert r.stdout.split()[0] == str(limit), r.stdout
    # the hog (dd's 64 MiB buffer) is killed by the OOM killer, the shell goes on
    assert "survived" in r.stdout
    assert "1+0 records in" not in r.stderr, r.stderr
    assert "Killed" in r.stderr, r.stderr


def test_memory_reservation_and_swappiness(bundle):
    res = {"memory": {"limit": 64 << 20, "reservation": 16 << 20}}
    if not V2:
        res["memory"]["swappiness"] = 7
    cid = start_sleeper(bundle, resources=res)
    pid = init_pid(bundle, cid)
    assert host_read(pid, "memory", "memory.soft_limit_in_bytes", "memory.low") == str(16 << 20)
    if not V2:
        assert host_read(pid, "memory", "memory.swappiness") == "7"
    bundle.skiff("delete", "--force", cid, check=True)


@pytest.mark.parametrize("limit", [512 << 10])
def test_tiny_memory_limit_runs(bundle, limit):
    """crun's README: 512 KiB works; the runtime's own work in the cgroup must fit."""
    bundle.config["linux"]["resources"] = {"memory": {"limit": limit}}
    r = bundle.run(["echo", "it works"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "it works\n"


# --- pids -----------------------------------------------------------------------------------

def test_pids_limit_stops_fork_bomb(bundle):
    bundle.config["linux"]["resources"] = {"pids": {"limit": 8}}
    script = ("cat %s; i=0; while [ $i -lt 30 ]; do sleep 1000 & i=$((i+1)); done 2>/dev/null; "
              "ls /proc | grep -c '^[0-9]'" % inside_path("pids", "pids.max", "pids.max"))
    r = bundle.run(["sh", "-c", script])
    out = r.stdout.split()
    assert out[0] == "8", r.stdout
    # sh + at most 7 others (the counting pipeline needs forks too, which may fail: then no count)
    if len(out) > 1:
        assert int(out[1]) <= 8, r.stdout
    assert "fork" in r.stderr or len(out) == 1 or int(out[1]) <= 8


# --- cpu ------------------------------------------------------------------------------------

def test_cpu_shares_quota_period(bundle):
    res = {"cpu": {"shares": 512, "quota": 20000, "period": 100000}}
    cid = start_sleeper(bundle, resources=res)
    pid = init_pid(bundle, cid)
    if V2:
        # 1 + ((512 - 2) * 9999) / 262142
        assert host_read(pid, "cpu", "", "cpu.weight") == "20"
        assert host_read(pid, "cpu", "", "cpu.max") == "20000 100000"
        inside = bundle.skiff("exec", cid, "cat", CG + "/cpu.weight", check=True).stdout
        assert inside.strip() == "20"
    else:
        assert host_read(pid, "cpu", "cpu.shares") == "512"
        assert host_read(pid, "cpu", "cpu.cfs_quota_us") == "20000"
        assert host_read(pid, "cpu", "cpu.cfs_period_us") == "100000"
        inside = bundle.skiff("exec", cid, "cat", CG + "/cpu/cpu.shares", check=True).stdout
        assert inside.strip() == "512"
    bundle.skiff("delete", "--force", cid, check=True)


def test_cpuset(bundle):
    res = {"cpu": {"cpus": "0", "mems": "0"}}
    bundle.config["linux"]["resources"] = res
    r = bundle.run(["grep", "Cpus_allowed_list", "/proc/self/status"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[-1] == "0", r.stdout


# --- devices --------------------------------------------------------------------------------

MKNOD_READ = "mknod /dev/blk b 8 0 && head -c1 /dev/blk; echo rc=$?"


def test_device_denied(bundle):
    bundle.config["process"]["capabilities"]["bounding"].append("CAP_MKNOD")
    bundle.config["process"]["capabilities"]["effective"].append("CAP_MKNOD")
    bundle.config["process"]["capabilities"]["permitted"].append("CAP_MKNOD")
    r = bundle.run(["sh", "-c", MKNOD_READ])
    # mknod is allowed (the standard "b *:* m" rule), reading is not
    assert "rc=1" in r.stdout, (r.stdout, r.stderr)
    assert "not permitted" in r.stderr, r.stderr


def test_device_denied_without_rules(bundle):
    """No linux.resources.devices at all: still deny all but the standard devices, as runc."""
    for k in ("bounding", "effective", "permitted"):
        bundle.config["process"]["capabilities"][k].append("CAP_MKNOD")
    del bundle.config["linux"]["resources"]
    r = bundle.run(["sh", "-c", MKNOD_READ + "; head -c1 /dev/zero | wc -c"])
    assert "rc=1" in r.stdout and "not permitted" in r.stderr, (r.stdout, r.stderr)
    assert r.stdout.split()[-1] == "1", r.stdout  # /dev/zero stays usable


def test_device_allowed_then_denied_last_wins(bundle):
    for k in ("bounding", "effective", "permitted"):
        bundle.config["process"]["capabilities"][k].append("CAP_MKNOD")
    bundle.config["linux"]["resources"]["devices"] = [
        {"allow": False, "access": "rwm"},
        {"allow": True, "type": "b", "major": 8, "minor": 0, "access": "rw"}]
    r = bundle.run(["sh", "-c", MKNOD_READ])
    # the cgroup lets the open through: the kernel answers for the device itself (there may be
    # no disk 8:0 here), never "not permitted"
    assert "not permitted" not in r.stderr, r.stderr
    bundle.config["linux"]["resources"]["devices"].append(
        {"allow": False, "type": "b", "major": 8, "minor": 0, "access": "r"})
    r = bundle.run(["sh", "-c", MKNOD_READ])
    assert "not permitted" in r.stderr, r.stderr


# --- blkio, hugetlb, network, unified --------------------------------------------------------

def test_blkio_weight(bundle):
    cid = start_sleeper(bundle, resources={"blockIO": {"weight": 500}})
    pid = init_pid(bundle, cid)
    d = host_dir(pid, "blkio")
    if V2:
        for f in ("io.weight", "io.bfq.weight"):
            if os.path.exists(os.path.join(d, f)):
                val = open(os.path.join(d, f)).read()
                assert ("default %d" % (1 + (500 - 10) * 9999 // 990)) in val or "500" in val, val
                break
        else:
            pytest.fail("no io weight file, yet update succeeded")
    else:
        for f in ("blkio.weight", "blkio.bfq.weight"):
            if os.path.exists(os.path.join(d, f)):
                assert open(os.path.join(d, f)).read().split()[-1] == "500"
                break
    bundle.skiff("delete", "--force", cid, check=True)


def test_network_class_id_and_priorities(bundle):
    """Needs net_cls/net_prio hierarchies; Debian's hybrid hosts mount none.  (Mounting one just
    for the test is not clean: the container's dying cgroup keeps an unmounted v1 hierarchy alive,
    hidden, for an unbounded time.)"""
    net = {"classID": 1048577, "priorities": [{"name": "lo", "priority": 5}]}
    if V2:
        bundle.config["linux"]["resources"] = {"network": net}
        cid = bundle.new_id()
        bundle.write_config()
        r = bundle.skiff("create", "--bundle", bundle.dir, cid)
        assert r.returncode != 0 and "network" in r.stderr, r.stderr
        return
    if not any("net_cls" in n.split(",") for n in os.listdir(CG)):
        pytest.skip("no net_cls hierarchy")
    if not any("net_prio" in n.split(",") for n in os.listdir(CG)):
        del net["priorities"]
    cid = start_sleeper(bundle, resources={"network": net})
    pid = init_pid(bundle, cid)
    assert host_read(pid, "net_cls", "net_cls.classid") == "1048577"
    if "priorities" in net:
        prio = dict(l.split() for l in host_read(pid, "net_prio", "net_prio.ifpriomap").splitlines())
        assert prio.get("lo") == "5", prio
    d = host_dir(pid, "net_cls")
    bundle.skiff("delete", "--force", cid, check=True)
    assert not os.path.exists(d), "cgroup left behind: " + d


def test_unified_keys(bundle):
    if MODE == "v1":
        bundle.config["linux"]["resources"] = {"unified": {"memory.high": "max"}}
        cid = bundle.new_id()
        bundle.write_config()
        r = bundle.skiff("create", "--bundle", bundle.dir, cid)
        assert r.returncode != 0 and "unified" in r.stderr
        return
    if V2:
        cid = start_sleeper(bundle, resources={"unified": {"memory.high": str(48 << 20)}})
        assert host_read(init_pid(bundle, cid), "", "", "memory.high") == str(48 << 20)
        bundle.skiff("delete", "--force", cid, check=True)
    else:
        # hybrid: the unified hierarchy holds no memory controller here: a clear error
        bundle.config["linux"]["resources"] = {"unified": {"memory.high": "max"}}
        cid = bundle.new_id()
        bundle.write_config()
        r = bundle.skiff("create", "--bundle", bundle.dir, cid)
        assert r.returncode != 0
        assert "unified" in r.stderr and "memory.high" in r.stderr, r.stderr


def test_unified_key_cannot_escape(bundle):
    if MODE == "v1":
        pytest.skip("unified is refused on v1")
    bundle.config["linux"]["resources"] = {"unified": {"../cgroup.procs": "1"}}
    cid = bundle.new_id()
    bundle.write_config()
    r = bundle.skiff("create", "--bundle", bundle.dir, cid)
    assert r.returncode != 0 and "unified" in r.stderr, r.stderr


# --- update ---------------------------------------------------------------------------------

def test_update_flags_and_resources(bundle):
    cid = start_sleeper(bundle, resources={"memory": {"limit": 64 << 20}, "pids": {"limit": 50}})
    pid = init_pid(bundle, cid)
    bundle.skiff("update", "--memory", "96m", "--pids-limit", "20", "--cpu-shares", "256", cid,
                 check=True)
    assert host_read(pid, "memory", "memory.limit_in_bytes", "memory.max") == str(96 << 20)
    assert host_read(pid, "pids", "pids.max") == "20"
    assert host_read(pid, "cpu", "cpu.shares", "cpu.weight") == ("10" if V2 else "256")
    res = json.dumps({"memory": {"limit": 80 << 20}, "pids": {"limit": 5}})
    bundle.skiff("update", "--resources", "-", cid, input=res, check=True)
    assert host_read(pid, "memory", "memory.limit_in_bytes", "memory.max") == str(80 << 20)
    assert host_read(pid, "pids", "pids.max") == "5"
    # the new pids limit holds inside
    r = bundle.skiff("exec", cid, "sh", "-c",
                     "for i in 1 2 3 4 5 6 7 8; do sleep 100 & done 2>&1; echo done")
    assert "fork" in (r.stdout + r.stderr), (r.stdout, r.stderr)
    r = bundle.skiff("update", "--memory", "lots", cid)
    assert r.returncode != 0 and "--memory" in r.stderr
    r = bundle.skiff("update", "--help")
    assert r.returncode == 0 and "--cpu-quota" in r.stdout
    bundle.skiff("delete", "--force", cid, check=True)


def test_update_kernel_memory_ignored(bundle):
    cid = start_sleeper(bundle)
    r = bundle.skiff("update", "--kernel-memory", "10m", cid)
    assert r.returncode == 0, r.stderr
    assert "kernel-memory" in r.stderr
    bundle.skiff("delete", "--force", cid, check=True)


# --- pause / resume -------------------------------------------------------------------------

COUNTER = "i=0; while :; do i=$((i+1)); echo $i > /dev/shm/n; done"


def read_counter(pid):
    try:
        with open("/proc/%d/root/dev/shm/n" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def test_pause_resume(bundle):
    cid = start_sleeper(bundle, COUNTER)
    pid = init_pid(bundle, cid)
    wait_for(lambda: read_counter(pid) not in ("", "1"), "the counter to run")
    bundle.skiff("pause", cid, check=True)
    assert bundle.state(cid)["status"] == "paused"
    # frozen: the task is stopped by the freezer and the counter does not move
    a = read_counter(pid)
    time.sleep(0.3)
    assert read_counter(pid) == a
    r = bundle.skiff("pause", cid)
    assert r.returncode != 0 and "paused" in r.stderr
    bundle.skiff("resume", cid, check=True)
    assert bundle.state(cid)["status"] == "running"
    wait_for(lambda: read_counter(pid) != a, "the counter to move again")
    r = bundle.skiff("resume", cid)
    assert r.returncode != 0 and "not paused" in r.stderr
    # a paused container can be deleted with --force
    bundle.skiff("pause", cid, check=True)
    bundle.skiff("delete", "--force", cid, check=True)


# --- ps, events, kill --all -----------------------------------------------------------------

def test_ps(bundle):
    cid = start_sleeper(bundle, "sleep 1001 & sleep 1002 & wait")
    pid = init_pid(bundle, cid)
    wait_for(lambda: len(json.loads(bundle.skiff("ps", "--format", "json", cid).stdout)) == 3,
             "three processes")
    pids = json.loads(bundle.skiff("ps", "--format", "json", cid, check=True).stdout)
    assert pid in pids
    for p in pids:
        assert open("/proc/%d/cgroup" % p).read() == open("/proc/%d/cgroup" % pid).read()
    table = bundle.skiff("ps", cid, check=True).stdout
    assert "PID" in table.splitlines()[0] and "sleep 1001" in table and "sleep 1002" in table
    r = bundle.skiff("ps", cid, "--", "-o", "pid,args")
    if r.returncode == 0:  # needs ps(1) on the host
        lines = r.stdout.splitlines()
        assert lines[0].split()[0] == "PID" and len(lines) == 4, r.stdout
    bundle.skiff("delete", "--force", cid, check=True)


def test_events_stats(bundle):
    cid = start_sleeper(bundle, resources={"memory": {"limit": 64 << 20}, "pids": {"limit": 40}})
    r = bundle.skiff("events", "--stats", cid, check=True)
    ev = json.loads(r.stdout)
    assert ev["type"] == "stats" and ev["id"] == cid
    data = ev["data"]
    for k in ("cpu", "memory", "pids", "blkio", "hugetlb"):
        assert k in data, k
    assert data["pids"]["current"] >= 1 and data["pids"]["limit"] == 40
    assert data["memory"]["usage"]["limit"] == 64 << 20
    assert data["memory"]["usage"]["usage"] > 0
    assert data["cpu"]["usage"]["total"] > 0
    bundle.skiff("delete", "--force", cid, check=True)


def test_events_stream_and_oom(bundle):
    res = memory_limit_config(24 << 20)
    cid = start_sleeper(bundle, "sleep 1000", resources=res)
    p = subprocess.Popen([*bundle_cmd(bundle), "events", "--interval", "100ms", cid],
                         stdout=subprocess.PIPE, text=True)
    try:
        first = json.loads(p.stdout.readline())
        assert first["type"] == "stats"
        bundle.skiff("exec", cid, "dd", "if=/dev/zero", "of=/dev/null", "bs=48M", "count=1")
        for _ in range(200):
            ev = json.loads(p.stdout.readline())
            if ev["type"] == "oom":
                break
        else:
            pytest.fail("no oom event")
        assert ev["id"] == cid
        bundle.skiff("kill", cid, "KILL", check=True)
        p.wait(timeout=30)  # events ends when the container stops
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    bundle.skiff("delete", "--force", cid, check=True)


def bundle_cmd(bundle):
    from conftest import SKIFF
    return [SKIFF, "--root", bundle.root]


def test_kill_all(bundle):
    cid = start_sleeper(bundle, "sleep 1001 & sleep 1002 & sleep 1003 & wait")
    wait_for(lambda: len(json.loads(bundle.skiff("ps", "--format", "json", cid).stdout)) == 4,
             "four processes")
    pids = json.loads(bundle.skiff("ps", "--format", "json", cid).stdout)
    bundle.skiff("kill", "--all", cid, "KILL", check=True)
    wait_for(lambda: not any(os.path.exists("/proc/%d" % p) and
                             open("/proc/%d/stat" % p).read().split()[2] != "Z" for p in pids),
             "every process to die")
    wait_for(lambda: stopped(bundle, cid), "the container to stop")
    bundle.skiff("delete", cid, check=True)


def test_delete_kills_processes_left_in_cgroup(bundle):
    """No pid namespace: the init exits and its children live on, found only through the cgroup."""
    bundle.config["linux"]["namespaces"] = [n for n in bundle.config["linux"]["namespaces"]
                                            if n["type"] != "pid"]
    cid = start_sleeper(bundle, "sleep 1001 & sleep 1002 & exit 0")
    wait_for(lambda: stopped(bundle, cid), "the init to exit")
    pids = json.loads(bundle.skiff("ps", "--format", "json", cid, check=True).stdout)
    assert len(pids) == 2, pids
    for p in pids:
        assert open("/proc/%d/cmdline" % p).read().startswith("sleep\x00100")
    bundle.skiff("delete", cid, check=True)
    wait_for(lambda: not any(os.path.exists("/proc/%d" % p) and
                             open("/proc/%d/stat" % p).read().split()[2] != "Z" for p in pids),
             "the left-over processes to die")


# ---- cpu burst/idle, blkio throttling ----

def test_cpu_burst_and_idle(bundle):
    res = {"cpu": {"quota": 50000, "period": 100000, "burst": 20000, "idle": 1}}
    cid = start_sleeper(bundle, resources=res)
    pid = init_pid(bundle, cid)
    assert host_read(pid, "cpu", "cpu.cfs_burst_us", "cpu.max.burst") == "20000"
    assert host_read(pid, "cpu", "cpu.idle", "cpu.idle") == "1"
    bundle.skiff("delete", "--force", cid, check=True)


def a_block_device():
    """major, minor of a real disk: throttling rules need one that exists."""
    for name in sorted(os.listdir("/sys/block")):
        if name.startswith(("loop", "ram", "zram", "sr")):
            continue
        with open("/sys/block/%s/dev" % name) as f:
            return tuple(int(x) for x in f.read().split(":"))
    pytest.skip("no block device on this host")


def test_blkio_throttle(bundle):
    maj, mnr = a_block_device()

    def dev(rate):
        return [{"major": maj, "minor": mnr, "rate": rate}]
    res = {"blockIO": {"throttleReadBpsDevice": dev(1048576), "throttleWriteBpsDevice": dev(2097152),
                       "throttleReadIOPSDevice": dev(300), "throttleWriteIOPSDevice": dev(400)}}
    cid = start_sleeper(bundle, resources=res)
    pid = init_pid(bundle, cid)
    key = "%d:%d" % (maj, mnr)
    if V2:
        lines = [l for l in host_read(pid, "io", "", "io.max").splitlines() if l.startswith(key)]
        assert lines and set(lines[0].split()[1:]) == {
            "rbps=1048576", "wbps=2097152", "riops=300", "wiops=400"}, lines
    else:
        for f, v in (("read_bps_device", 1048576), ("write_bps_device", 2097152),
                     ("read_iops_device", 300), ("write_iops_device", 400)):
            assert host_read(pid, "blkio", "blkio.throttle." + f) == "%s %d" % (key, v)
    bundle.skiff("delete", "--force", cid, check=True)
