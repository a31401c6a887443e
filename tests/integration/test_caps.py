# SPDX-License-Identifier: GPL-2.0-or-later
"""process.capabilities: the five sets in /proc/self/status match what the config asks for, as
the kernel's execve rules derive them (root: permitted = effective = bounding | inheritable; non-root
without file capabilities: permitted = effective = ambient)."""
import re

import pytest

CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]


def last_cap():
    with open("/proc/sys/kernel/cap_last_cap") as f:
        return int(f.read())


def mask(names):
    m = 0
    for n in names:
        if CAPS.index(n) <= last_cap():
            m |= 1 << CAPS.index(n)
    return m


def status_caps(text):
    out = {}
    for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        m = re.search(r"^%s:\s+([0-9a-f]+)$" % k, text, re.M)
        assert m, "%s missing in:\n%s" % (k, text)
        out[k] = int(m.group(1), 16)
    return out


def expected(caps, uid, nnp=True):
    b, e, p = mask(caps.get("bounding", [])), mask(caps.get("effective", [])), \
        mask(caps.get("permitted", []))
    i, a = mask(caps.get("inheritable", [])), mask(caps.get("ambient", []))
    amb = a & p & i  # the kernel raises an ambient cap only when permitted and inheritable
    if uid == 0:
        prm = (b | i) | amb
        if nnp:
            # no_new_privs: execve may not raise root above the permitted set it had before
            prm &= p | amb
        return {"CapInh": i, "CapPrm": prm, "CapEff": prm, "CapBnd": b, "CapAmb": amb}
    return {"CapInh": i, "CapPrm": amb, "CapEff": amb, "CapBnd": b, "CapAmb": amb}


def run_status(bundle, caps, uid=0):
    if caps is None:
        bundle.config["process"].pop("capabilities", None)
    else:
        bundle.config["process"]["capabilities"] = caps
    bundle.config["process"]["user"] = {"uid": uid, "gid": uid}
    r = bundle.run(["cat", "/proc/self/status"])
    assert r.returncode == 0, r.stderr
    return status_caps(r.stdout)


def test_default_config_root(bundle):
    caps = bundle.config["process"]["capabilities"]
    got = run_status(bundle, caps)
    assert got == expected(caps, 0)
    assert got["CapInh"] == 0  # CVE-2022-29162: no inheritable capabilities unless asked


def test_root_with_inheritable_and_ambient(bundle):
    caps = {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID", "CAP_SETGID"],
            "effective": ["CAP_CHOWN", "CAP_KILL"],
            "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
            "inheritable": ["CAP_KILL", "CAP_NET_RAW"],
            "ambient": ["CAP_KILL"]}
    got = run_status(bundle, caps)
    assert got == expected(caps, 0)
    assert got["CapAmb"] == mask(["CAP_KILL"])


def test_nonroot_with_ambient(bundle):
    caps = {"bounding": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_KILL"],
            "effective": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
            "permitted": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_KILL"],
            "inheritable": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
            "ambient": ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"]}
    got = run_status(bundle, caps, uid=1000)
    assert got == expected(caps, 1000)
    assert got["CapEff"] == mask(["CAP_CHOWN", "CAP_NET_BIND_SERVICE"])


def test_nonroot_ambient_cap_works(bundle):
    """CAP_CHOWN in the ambient set lets uid 1000 give a file away; without it, it cannot."""
    bundle.config["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
                                    "options": ["mode=1777"]})
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    script = "touch /tmp/f && chown 0:0 /tmp/f; echo rc=$?"
    caps = {k: ["CAP_CHOWN"] for k in ("bounding", "effective", "permitted", "inheritable",
                                       "ambient")}
    bundle.config["process"]["capabilities"] = caps
    r = bundle.run(["sh", "-c", script])
    assert "rc=0" in r.stdout, r.stdout + r.stderr
    caps["ambient"] = []
    r = bundle.run(["sh", "-c", script])
    assert "rc=1" in r.stdout, r.stdout + r.stderr


def test_nonroot_without_ambient_has_nothing(bundle):
    caps = {k: ["CAP_CHOWN", "CAP_KILL"] for k in ("bounding", "effective", "permitted")}
    got = run_status(bundle, caps, uid=1000)
    assert got == expected(caps, 1000)
    assert got["CapEff"] == 0 and got["CapPrm"] == 0 and got["CapInh"] == 0


def test_empty_sets(bundle):
    caps = {k: [] for k in ("bounding", "effective", "permitted", "inheritable", "ambient")}
    got = run_status(bundle, caps)
    assert got == {"CapInh": 0, "CapPrm": 0, "CapEff": 0, "CapBnd": 0, "CapAmb": 0}


def test_absent_sets_are_empty(bundle):
    caps = {"bounding": ["CAP_KILL"]}
    got = run_status(bundle, caps)
    assert got == expected(caps, 0)
    assert got["CapBnd"] == mask(["CAP_KILL"]) and got["CapInh"] == 0 and got["CapAmb"] == 0


def test_no_capabilities_section_keeps_root_caps_but_no_inheritable(bundle):
    got = run_status(bundle, None)
    with open("/proc/self/status") as f:
        full = status_caps(f.read())["CapBnd"]  # what the runtime itself has
    assert got["CapBnd"] == full and got["CapEff"] == full
    assert got["CapInh"] == 0 and got["CapAmb"] == 0


def test_effective_not_in_permitted_is_refused(bundle):
    bundle.config["process"]["capabilities"] = {"bounding": ["CAP_KILL", "CAP_CHOWN"],
                                                "effective": ["CAP_CHOWN"],
                                                "permitted": ["CAP_KILL"]}
    r = bundle.run(["true"])
    assert r.returncode != 0
    assert "CAP_CHOWN" in r.stderr, r.stderr


def test_unknown_capability_name(bundle):
    bundle.config["process"]["capabilities"]["bounding"].append("CAP_NOT_A_CAPABILITY")
    r = bundle.run(["true"])
    assert r.returncode != 0
    assert "CAP_NOT_A_CAPABILITY" in r.stderr and "bounding" in r.stderr, r.stderr


def test_exec_gets_the_process_caps_and_no_inheritable(bundle):
    caps = {"bounding": ["CAP_KILL", "CAP_CHOWN"], "effective": ["CAP_KILL", "CAP_CHOWN"],
            "permitted": ["CAP_KILL", "CAP_CHOWN"]}
    bundle.config["process"]["capabilities"] = caps
    cid = bundle.create(["sleep", "100"])
    try:
        bundle.skiff("start", cid, check=True)
        r = bundle.skiff("exec", cid, "cat", "/proc/self/status")
        assert r.returncode == 0, r.stderr
        got = status_caps(r.stdout)
        assert got == expected(caps, 0)
        r = bundle.skiff("exec", "--cap", "CAP_NET_RAW", cid, "cat", "/proc/self/status")
        assert r.returncode == 0, r.stderr
        # --cap adds to bounding, effective and permitted, never to inheritable
        got = status_caps(r.stdout)
        assert got["CapEff"] & mask(["CAP_NET_RAW"]) and got["CapInh"] == 0
    finally:
        bundle.delete(cid)
