# SPDX-License-Identifier: GPL-2.0-or-later
"""linux.seccomp, observed from inside a busybox container: every action, every operator,
defaultErrnoRet, big allow-list profiles, and SCMP_ACT_NOTIFY reaching a listener the test runs."""
import array
import errno
import json
import os
import re
import select
import socket
import struct
import subprocess
import threading

import pytest

SIGSYS_STATUS = 128 + 31


def with_tmp(bundle):
    bundle.config["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
                                    "options": ["nosuid", "nodev", "mode=1777"]})


def profile(bundle, default="SCMP_ACT_ALLOW", syscalls=(), **extra):
    sc = {"defaultAction": default, "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                                                      "SCMP_ARCH_X32"],
          "syscalls": list(syscalls)}
    sc.update(extra)
    bundle.config["linux"]["seccomp"] = sc
    return sc


def sh(bundle, script, **kw):
    return bundle.run(["sh", "-c", script], **kw)


def test_errno_with_errnoret(bundle):
    with_tmp(bundle)
    profile(bundle, syscalls=[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                               "errnoRet": errno.ENOSYS}])
    r = sh(bundle, "mkdir /tmp/x; echo rc=$?; touch /tmp/y && echo touched")
    assert r.returncode == 0, r.stderr
    assert "Function not implemented" in r.stdout + r.stderr
    assert "rc=1" in r.stdout and "touched" in r.stdout


def test_errno_default_is_eperm(bundle):
    with_tmp(bundle)
    profile(bundle, syscalls=[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}])
    r = sh(bundle, "mkdir /tmp/x; echo rc=$?")
    assert "Operation not permitted" in r.stdout + r.stderr
    assert "rc=1" in r.stdout


def test_control_without_seccomp(bundle):
    """The operations the other tests deny work without a profile (the tests can fail)."""
    with_tmp(bundle)
    r = sh(bundle, "mkdir /tmp/x && touch /tmp/f && chmod 700 /tmp/f && umask && uname")
    assert r.returncode == 0, r.stderr
    assert "Linux" in r.stdout


@pytest.mark.parametrize("action", ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                    "SCMP_ACT_KILL_THREAD"])
def test_kill(bundle, action):
    profile(bundle, syscalls=[{"names": ["uname"], "action": action}])
    r = bundle.run(["uname"])
    assert r.returncode == SIGSYS_STATUS, (r.returncode, r.stderr)
    assert "Linux" not in r.stdout


def test_trap_delivers_a_catchable_sigsys(bundle):
    # ash runs `umask` in the shell itself: with TRAP its SIGSYS handler runs and the shell goes on;
    # with KILL it would die.
    profile(bundle, syscalls=[{"names": ["umask"], "action": "SCMP_ACT_TRAP"}])
    r = sh(bundle, "trap 'echo trapped' SYS; umask; echo after")
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert "trapped" in r.stdout and "after" in r.stdout
    profile(bundle, syscalls=[{"names": ["umask"], "action": "SCMP_ACT_KILL"}])
    r = sh(bundle, "trap 'echo trapped' SYS; umask; echo after")
    assert r.returncode == SIGSYS_STATUS and "after" not in r.stdout


def test_trace_without_tracer_is_enosys(bundle):
    with_tmp(bundle)
    profile(bundle, syscalls=[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_TRACE"}])
    r = sh(bundle, "mkdir /tmp/x; echo rc=$?")
    assert "Function not implemented" in r.stdout + r.stderr and "rc=1" in r.stdout


def kmsg_lines():
    try:
        return subprocess.run(["dmesg"], capture_output=True, text=True).stdout.splitlines()
    except OSError:
        return []


def log_records():
    # SECCOMP_RET_LOG is 0x7ffc0000
    # (syscall 63 is uname on x86_64)
    return [l for l in kmsg_lines()
            if "type=1326" in l and "syscall=63 " in l and "code=0x7ffc0000" in l]


def test_log_allows_and_logs(bundle):
    before = len(log_records())
    profile(bundle, syscalls=[{"names": ["uname"], "action": "SCMP_ACT_LOG"}])
    r = bundle.run(["uname", "-s"])
    assert r.returncode == 0 and r.stdout.strip() == "Linux", r.stderr
    with open("/proc/sys/kernel/seccomp/actions_logged") as f:
        if "log" not in f.read().split():
            return
    assert len(log_records()) > before, "no seccomp LOG audit record for uname"


def syscall_names():
    """Every x86_64 syscall name the headers know."""
    for hdr in ("/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "/usr/include/asm/unistd_64.h"):
        if os.path.exists(hdr):
            with open(hdr) as f:
                return sorted(set(re.findall(r"#define __NR_(\w+)\s+\d+", f.read())))
    pytest.skip("no asm/unistd_64.h")


def test_allow_list_with_default_errno(bundle):
    """A whitelist profile (default ERRNO + defaultErrnoRet, hundreds of ALLOW names, a name this
    libseccomp does not know): exactly the missing syscalls fail."""
    with_tmp(bundle)
    names = [n for n in syscall_names() if n not in ("mkdir", "mkdirat")]
    names.append("not_a_syscall_of_any_kernel")
    profile(bundle, default="SCMP_ACT_ERRNO", defaultErrnoRet=errno.EROFS,
            syscalls=[{"names": names, "action": "SCMP_ACT_ALLOW"}])
    r = sh(bundle, "mkdir /tmp/x; echo rc=$?; touch /tmp/y && echo touched")
    assert r.returncode == 0, r.stderr
    assert "Read-only file system" in r.stdout + r.stderr
    assert "rc=1" in r.stdout and "touched" in r.stdout


OCTAL = lambda s: int(s, 8)  # noqa: E731

# (operator, value, valueTwo, a denied mode, an allowed mode)
OPERATORS = [
    ("SCMP_CMP_EQ", OCTAL("700"), 0, "700", "755"),
    ("SCMP_CMP_NE", OCTAL("755"), 0, "700", "755"),
    ("SCMP_CMP_LT", OCTAL("500"), 0, "400", "755"),
    ("SCMP_CMP_LE", OCTAL("500"), 0, "500", "755"),
    ("SCMP_CMP_GE", OCTAL("750"), 0, "750", "700"),
    ("SCMP_CMP_GT", OCTAL("750"), 0, "755", "750"),
    ("SCMP_CMP_MASKED_EQ", OCTAL("007"), OCTAL("007"), "777", "750"),
]


@pytest.mark.parametrize("op,value,value_two,denied,allowed", OPERATORS,
                         ids=[o[0] for o in OPERATORS])
def test_argument_operators(bundle, op, value, value_two, denied, allowed):
    # busybox chmod calls chmod(path, mode): arg 1 is the mode
    with_tmp(bundle)
    arg = {"index": 1, "value": value, "op": op}
    if op == "SCMP_CMP_MASKED_EQ":
        arg["valueTwo"] = value_two
    profile(bundle, syscalls=[{"names": ["chmod"], "action": "SCMP_ACT_ERRNO",
                               "errnoRet": errno.EXDEV, "args": [arg]}])
    r = sh(bundle, "touch /tmp/f; chmod %s /tmp/f; echo denied_rc=$?; chmod %s /tmp/f; "
                   "echo allowed_rc=$?" % (denied, allowed))
    assert "denied_rc=1" in r.stdout, (r.stdout, r.stderr)
    assert "allowed_rc=0" in r.stdout, (r.stdout, r.stderr)
    assert "Invalid cross-device link" in r.stderr


def test_conditions_on_two_arguments_are_anded(bundle):
    with_tmp(bundle)
    # chmod(path, mode): arg0 (a pointer) != 0 AND mode == 0700
    profile(bundle, syscalls=[{"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "args": [
        {"index": 0, "value": 0, "op": "SCMP_CMP_NE"},
        {"index": 1, "value": OCTAL("700"), "op": "SCMP_CMP_EQ"}]}])
    r = sh(bundle, "touch /tmp/f; chmod 700 /tmp/f; echo a=$?; chmod 755 /tmp/f; echo b=$?")
    assert "a=1" in r.stdout and "b=0" in r.stdout, r.stdout + r.stderr


def test_same_argument_twice_is_ored(bundle):
    with_tmp(bundle)
    profile(bundle, syscalls=[{"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "args": [
        {"index": 1, "value": OCTAL("700"), "op": "SCMP_CMP_EQ"},
        {"index": 1, "value": OCTAL("711"), "op": "SCMP_CMP_EQ"}]}])
    r = sh(bundle, "touch /tmp/f; chmod 700 /tmp/f; echo a=$?; chmod 711 /tmp/f; echo b=$?; "
                   "chmod 755 /tmp/f; echo c=$?")
    assert "a=1" in r.stdout and "b=1" in r.stdout and "c=0" in r.stdout, r.stdout + r.stderr


def test_flags_accepted(bundle):
    with_tmp(bundle)
    profile(bundle, syscalls=[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}],
            flags=["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                   "SECCOMP_FILTER_FLAG_TSYNC"])
    r = sh(bundle, "mkdir /tmp/x; echo rc=$?; grep Seccomp: /proc/self/status")
    assert "rc=1" in r.stdout and "Operation not permitted" in r.stderr, r.stderr
    assert re.search(r"Seccomp:\s+2", r.stdout)


def test_seccomp_mode_filter_visible(bundle):
    profile(bundle, syscalls=[{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}])
    r = bundle.run(["grep", "-E", "^(Seccomp|Seccomp_filters|NoNewPrivs):", "/proc/self/status"])
    assert re.search(r"Seccomp:\s+2", r.stdout), r.stdout + r.stderr
    assert re.search(r"Seccomp_filters:\s+1", r.stdout), r.stdout


def test_no_new_privileges_false_still_loads(bundle):
    """With noNewPrivileges false the filter is loaded while CAP_SYS_ADMIN is still held."""
    with_tmp(bundle)
    bundle.config["process"]["noNewPrivileges"] = False
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    profile(bundle, syscalls=[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}])
    r = sh(bundle, "mkdir /tmp/x; echo rc=$?; grep NoNewPrivs /proc/self/status")
    assert r.returncode == 0, r.stderr
    assert "rc=1" in r.stdout and "Operation not permitted" in r.stderr
    assert re.search(r"NoNewPrivs:\s+0", r.stdout), r.stdout


def test_rule_equal_to_default_and_unknown_names_are_skipped(bundle):
    profile(bundle, syscalls=[{"names": ["uname"], "action": "SCMP_ACT_ALLOW"},
                              {"names": ["skiff_no_such_syscall"], "action": "SCMP_ACT_ERRNO"}])
    r = bundle.run(["uname"])
    assert r.returncode == 0 and "Linux" in r.stdout, r.stderr


@pytest.mark.parametrize("bad,message", [
    ({"defaultAction": "SCMP_ACT_NOTIFY"}, "defaultAction"),
    ({"syscalls": [{"names": ["uname"], "action": "SCMP_ACT_ERRNO",
                    "args": [{"index": 9, "value": 1, "op": "SCMP_CMP_EQ"}]}]},
     "linux.seccomp.syscalls[0].args[0].index"),
    ({"syscalls": [{"names": ["uname"], "action": "SCMP_ACT_NOTIFY"}]},
     "linux.seccomp.listenerPath"),
])
def test_invalid_profiles_fail_create_with_a_path(bundle, bad, message):
    sc = profile(bundle)
    sc.update(bad)
    r = bundle.run(["true"])
    assert r.returncode != 0
    assert message in r.stderr, r.stderr
    assert not os.listdir(bundle.root) if os.path.isdir(bundle.root) else True


# ---- SCMP_ACT_NOTIFY ----

NOTIF_SIZE = 80  # struct seccomp_notif: id, pid, flags, seccomp_data{nr, arch, ip, args[6]}
RESP_SIZE = 24   # struct seccomp_notif_resp: id, val, error, flags


def _iowr(nr, size):
    return (3 << 30) | (size << 16) | (ord("!") << 8) | nr


NOTIF_RECV = _iowr(0, NOTIF_SIZE)
NOTIF_SEND = _iowr(1, RESP_SIZE)


class Listener(threading.Thread):
    """A seccomp agent: receives the notify fd and the ContainerProcessState, then answers every
    notification with -ENOSPC."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(1)
        self.state = None
        self.fds = []
        self.handled = []
        self.stop = threading.Event()
        self.error = None

    def run(self):
        import fcntl
        try:
            self.srv.settimeout(30)
            conn, _ = self.srv.accept()
            msg, fds, _, _ = socket.recv_fds(conn, 65536, 4)
            data = msg
            conn.settimeout(2)
            while True:  # the JSON may come in more than one piece
                try:
                    json.loads(data)
                    break
                except ValueError:
                    more = conn.recv(65536)
                    if not more:
                        break
                    data += more
            conn.close()
            self.state = json.loads(data)
            self.fds = fds
            nfd = fds[0]
            while not self.stop.is_set():
                r, _, _ = select.select([nfd], [], [], 0.2)
                if not r:
                    continue
                buf = bytearray(NOTIF_SIZE)
                try:
                    fcntl.ioctl(nfd, NOTIF_RECV, buf, True)
                except OSError:
                    break  # the filter's last user is gone
                nid, pid, _flags, nr = struct.unpack_from("=QIIi", buf, 0)
                self.handled.append(nr)
                resp = bytearray(struct.pack("=QqiI", nid, 0, -errno.ENOSPC, 0))
                try:
                    fcntl.ioctl(nfd, NOTIF_SEND, resp, True)
                except OSError:
                    pass
        except Exception as e:  # reported by the test
            self.error = e
        finally:
            for fd in self.fds:
                os.close(fd)
            self.srv.close()


def test_notify_reaches_listener(bundle, tmp_path):
    with_tmp(bundle)
    path = str(tmp_path / "agent.sock")
    agent = Listener(path)
    agent.start()
    profile(bundle, syscalls=[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}],
            listenerPath=path, listenerMetadata="skiff-test-metadata")
    cid = bundle.new_id()
    r = sh(bundle, "mkdir /tmp/x; echo rc=$?; touch /tmp/y && echo touched", cid=cid)
    agent.stop.set()
    agent.join(10)
    assert agent.error is None, agent.error
    assert r.returncode == 0, r.stderr
    assert "No space left on device" in r.stderr, r.stderr  # the agent's answer
    assert "rc=1" in r.stdout and "touched" in r.stdout
    st = agent.state
    assert st["ociVersion"] and st["fds"] == ["seccompFd"]
    assert st["metadata"] == "skiff-test-metadata"
    assert st["state"]["id"] == cid and st["state"]["pid"] == st["pid"] and st["pid"] > 0
    assert len(agent.fds) == 1 and agent.handled


def test_notify_listener_absent_fails_create(bundle, tmp_path):
    profile(bundle, syscalls=[{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}],
            listenerPath=str(tmp_path / "nobody-listens.sock"))
    r = bundle.run(["true"])
    assert r.returncode != 0
    assert "nobody-listens.sock" in r.stderr, r.stderr
