# SPDX-License-Identifier: GPL-2.0-or-later
"""OCI hooks: each kind runs at its moment, in its namespace, with the state on stdin, its args,
env and timeout; a failing hook fails its step and cleans up."""
import json
import os
import time

import conftest


def hook_script(tmp_path, name, body):
    """A host script (for hooks that resolve in the runtime namespace)."""
    p = tmp_path / name
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(0o755)
    return str(p)


def record(tmp_path, kind):
    """A hook that saves its stdin, args, env and mount namespace in tmp_path/<kind>.*"""
    out = tmp_path / kind
    return {
        "path": hook_script(tmp_path, kind + ".sh",
                            'cat > "%s.state"; echo "$@" > "%s.args"; env > "%s.env"; '
                            'readlink /proc/self/ns/mnt > "%s.mnt"; readlink /proc/self/ns/pid > '
                            '"%s.pid"\n' % ((out,) * 5)),
        "args": [kind + ".sh", "a1", "a 2"],
        "env": ["HOOKVAR=" + kind],
    }


def test_every_hook_kind(bundle, tmp_path):
    hooks = {k: [record(tmp_path, k)] for k in
             ("prestart", "createRuntime", "createContainer", "poststart", "poststop")}
    # startContainer resolves in the container: a script inside the rootfs writing to its /tmp
    with open(os.path.join(bundle.rootfs, "start-hook"), "w") as f:
        f.write("#!/bin/sh\ncat > /tmp/startContainer.state; echo \"$@\" > /tmp/startContainer.args;"
                " readlink /proc/self/ns/mnt > /tmp/startContainer.mnt\n")
    os.chmod(os.path.join(bundle.rootfs, "start-hook"), 0o755)
    hooks["startContainer"] = [{"path": "/start-hook", "args": ["start-hook", "s1"]}]
    bundle.config["hooks"] = hooks
    bundle.config["root"]["readonly"] = False
    cid = bundle.create(["sleep", "60"])
    try:
        pid = bundle.state(cid)["pid"]
        host_mnt = os.readlink("/proc/self/ns/mnt")
        ctr_mnt = os.readlink("/proc/%d/ns/mnt" % pid)
        for k in ("prestart", "createRuntime", "createContainer"):
            st = json.loads((tmp_path / (k + ".state")).read_text())
            assert st["id"] == cid and st["status"] == "creating" and st["pid"] == pid, (k, st)
            assert (tmp_path / (k + ".args")).read_text().strip() == "a1 a 2"
            env = (tmp_path / (k + ".env")).read_text()
            assert "HOOKVAR=" + k in env and "PATH=" not in env.replace("HOOKVAR", ""), env
        assert (tmp_path / "prestart.mnt").read_text().strip() == host_mnt
        assert (tmp_path / "createRuntime.mnt").read_text().strip() == host_mnt
        assert (tmp_path / "createContainer.mnt").read_text().strip() == ctr_mnt
        assert not (tmp_path / "poststart.state").exists()
        bundle.skiff("start", cid, check=True)
        # poststart runs after the process started, before `start` returns
        st = json.loads((tmp_path / "poststart.state").read_text())
        assert st["status"] == "running", st
        sc = os.path.join(bundle.rootfs, "tmp", "startContainer")
        assert json.loads(open(sc + ".state").read())["id"] == cid
        assert open(sc + ".args").read().strip() == "s1"
        assert open(sc + ".mnt").read().strip() == ctr_mnt
        assert not (tmp_path / "poststop.state").exists()
    finally:
        bundle.delete(cid)
    st = json.loads((tmp_path / "poststop.state").read_text())
    assert st["id"] == cid and st["status"] == "stopped", st


def test_failing_hook_fails_create_and_cleans_up(bundle, tmp_path):
    bundle.config["hooks"] = {"createRuntime": [
        {"path": hook_script(tmp_path, "fail.sh", "echo 'hook says no' >&2; exit 3\n")}]}
    cid = bundle.new_id()
    bundle.write_config()
    r = bundle.skiff("create", "--bundle", bundle.dir, cid)
    assert r.returncode != 0
    assert "hooks.createRuntime[0]" in r.stderr and "status 3" in r.stderr, r.stderr
    assert "hook says no" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(bundle.root, cid))


def test_hook_timeout(bundle, tmp_path):
    bundle.config["hooks"] = {"prestart": [
        {"path": hook_script(tmp_path, "slow.sh", "sleep 30\n"), "timeout": 1}]}
    cid = bundle.new_id()
    bundle.write_config()
    t = time.monotonic()
    r = bundle.skiff("create", "--bundle", bundle.dir, cid)
    assert r.returncode != 0 and "timed out" in r.stderr, r.stderr
    assert time.monotonic() - t < 25
    assert not os.path.exists(os.path.join(bundle.root, cid))


def test_failing_poststart_is_a_warning(bundle, tmp_path):
    """runtime-spec: a failing poststart hook is logged as a warning; the lifecycle goes on."""
    bundle.config["hooks"] = {"poststart": [{"path": "/bin/false"}]}
    cid = bundle.create(["sleep", "60"])
    try:
        r = bundle.skiff("start", cid)
        assert r.returncode == 0, r.stderr
        assert "hooks.poststart[0]" in r.stderr, r.stderr
        assert bundle.state(cid)["status"] == "running"
    finally:
        bundle.delete(cid)


def test_failing_poststop_is_only_a_warning(bundle, tmp_path):
    bundle.config["hooks"] = {"poststop": [{"path": "/bin/false"}]}
    cid = bundle.create(["true"])
    r = bundle.skiff("delete", "--force", cid)
    assert r.returncode == 0, r.stderr
    assert "poststop" in r.stderr
    assert not os.path.exists(os.path.join(bundle.root, cid))
