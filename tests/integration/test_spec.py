# SPDX-License-Identifier: GPL-2.0-or-later
"""config.json parsing seen from the CLI: a bad config is refused before anything is created,
with one message naming the JSON path; unknown fields and annotations are ignored; a config that
uses every section still runs; `skiff spec` output runs."""
import json
import os

import pytest


def state_entries(bundle):
    return os.listdir(bundle.root) if os.path.isdir(bundle.root) else []


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["process"]["capabilities"]["bounding"].append("CAP_FOO"),
     'config.json: process.capabilities.bounding[3]: unknown capability "CAP_FOO"'),
    (lambda c: c["mounts"][3].pop("destination"),
     'config.json: mounts[3]: missing "destination"'),
    (lambda c: c["linux"]["namespaces"][0].update(type=1),
     "config.json: linux.namespaces[0].type: expected a string, got a number"),
    (lambda c: c.update(ociVersion="1.3.0"),
     'config.json: ociVersion: version "1.3.0" is not supported (1.0.0 to 1.2.x)'),
    (lambda c: c["process"].pop("cwd"), 'config.json: process: missing "cwd"'),
    (lambda c: c["process"].update(rlimits=[{"type": "RLIMIT_NOPE", "soft": 1, "hard": 1}]),
     'config.json: process.rlimits[0].type: unknown rlimit "RLIMIT_NOPE"'),
    (lambda c: c["linux"].update(seccomp={"defaultAction": "SCMP_ACT_MAYBE"}),
     'config.json: linux.seccomp.defaultAction: unknown seccomp action "SCMP_ACT_MAYBE"'),
    (lambda c: c["linux"].update(resources={"memory": {"limit": "1G"}}),
     "config.json: linux.resources.memory.limit: expected an integer, got a string"),
])
@pytest.mark.parametrize("command", ["run", "create"])
def test_bad_config_refused_with_its_path(bundle, edit, message, command):
    edit(bundle.config)
    bundle.write_config()
    r = bundle.skiff(command, "--bundle", bundle.dir, bundle.new_id())
    assert r.returncode != 0
    assert message in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1, r.stderr  # said once
    assert state_entries(bundle) == []


def test_invalid_json_refused(bundle):
    with open(os.path.join(bundle.dir, "config.json"), "w") as f:
        f.write('{\n "ociVersion": "1.2.0",\n "process" {}\n}\n')
    r = bundle.skiff("run", "--bundle", bundle.dir, bundle.new_id())
    assert r.returncode != 0
    assert "config.json: invalid JSON at line 3" in r.stderr, r.stderr
    assert state_entries(bundle) == []


def test_unknown_fields_and_annotations_ignored(bundle):
    c = bundle.config
    c["futureTopLevel"] = {"x": [1, 2, 3]}
    c["process"]["futureProcessField"] = True
    c["linux"]["futureLinuxField"] = None
    c["mounts"][0]["futureMountField"] = "x"
    c["annotations"] = {"org.example.unknown": "1", "io.skiff.nothing": "2"}
    r = bundle.run(["sh", "-c", "echo ok"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_parsed_fields_reach_the_container(bundle):
    """Values from several sections of the config, read back from inside."""
    c = bundle.config
    c["hostname"] = "parsed-host"
    c["process"]["env"] = ["PATH=/bin:/sbin", "SPEC_VAR=spaced value"]
    c["process"]["cwd"] = "/tmp"
    c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 321, "hard": 654}]
    c["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [100]}
    c["process"]["capabilities"] = {k: ["CAP_KILL"] for k in
                                    ("bounding", "effective", "permitted")}
    script = ('hostname; echo "$SPEC_VAR"; pwd; ulimit -n; ulimit -Hn; id -u; id -g; id -G; '
              'grep CapBnd /proc/self/status')
    r = bundle.run(["sh", "-c", script])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    assert lines[0] == "parsed-host"
    assert lines[1] == "spaced value"
    assert lines[2] == "/tmp"
    assert lines[3:5] == ["321", "654"]
    assert lines[5:7] == ["1000", "1000"]
    assert "100" in lines[7].split()
    assert int(lines[8].split()[1], 16) == 1 << 5  # CAP_KILL only


def test_default_spec_runs(bundle):
    r = bundle.skiff("spec", "--bundle", bundle.dir)
    if r.returncode != 0:
        pytest.skip("skiff spec: %s" % r.stderr.strip())
    with open(os.path.join(bundle.dir, "config.json")) as f:
        c = json.load(f)
    c["process"]["terminal"] = False
    c["process"]["args"] = ["sh", "-c", "grep -c . /proc/self/mountinfo >/dev/null && echo ran"]
    bundle.config = c
    r = bundle.run()
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ran"
