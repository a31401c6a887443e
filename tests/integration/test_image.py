# SPDX-License-Identifier: GPL-2.0-or-later
"""skiff-image: import (OCI layout, OCI archive, docker save), layer application compared with
umoci file by file, hostile layers, bundle config, run, commit/export round trip through podman.
Test images are built here with tarfile + json + hashlib from the busybox-static base rootfs."""
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import tarfile
import tempfile
import time

import pytest

from conftest import SKIFF, SKIFF_IMAGE, make_base_rootfs

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (overlay, chown, mknod)")


# ---------------------------------------------------------------- image building helpers

def sha(b):
    return hashlib.sha256(b).hexdigest()


class Tar:
    """A layer tarball built member by member (PAX format)."""

    def __init__(self, fmt=tarfile.PAX_FORMAT):
        self.buf = io.BytesIO()
        self.t = tarfile.open(fileobj=self.buf, mode="w", format=fmt)

    def _info(self, name, type_, mode=0o644, uid=0, gid=0, mtime=1600000000, xattrs=None, **kw):
        ti = tarfile.TarInfo(name)
        ti.type = type_
        ti.mode = mode
        ti.uid, ti.gid, ti.mtime = uid, gid, mtime
        for k, v in kw.items():
            setattr(ti, k, v)
        if xattrs:
            ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in xattrs.items()}
        return ti

    def file(self, name, data=b"", **kw):
        ti = self._info(name, tarfile.REGTYPE, **kw)
        ti.size = len(data)
        self.t.addfile(ti, io.BytesIO(data))
        return self

    def dir(self, name, mode=0o755, **kw):
        self.t.addfile(self._info(name, tarfile.DIRTYPE, mode=mode, **kw))
        return self

    def symlink(self, name, target, **kw):
        self.t.addfile(self._info(name, tarfile.SYMTYPE, mode=0o777, linkname=target, **kw))
        return self

    def hardlink(self, name, target, **kw):
        self.t.addfile(self._info(name, tarfile.LNKTYPE, linkname=target, **kw))
        return self

    def node(self, name, type_, major=0, minor=0, **kw):
        self.t.addfile(self._info(name, type_, devmajor=major, devminor=minor, **kw))
        return self

    def add_tree(self, root, arc=""):
        self.t.add(root, arcname=arc or ".", recursive=True)
        return self

    def bytes(self):
        self.t.close()
        return self.buf.getvalue()


def compress(raw, how):
    if how == "gzip":
        return gzip.compress(raw, 6, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=raw, stdout=subprocess.PIPE,
                              check=True).stdout
    return raw


MEDIA = {"gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
         "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
         None: "application/vnd.oci.image.layer.v1.tar"}


def host_arch():
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)


def write_blob(layout, data):
    d = sha(data)
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d


def image_manifest(layout, layers, how="gzip", config=None, diff_ids=None, arch=None):
    """Write config, layers and manifest blobs; return the manifest descriptor."""
    descs = []
    for raw in layers:
        blob = compress(raw, how)
        descs.append({"mediaType": MEDIA[how], "digest": write_blob(layout, blob), "size": len(blob)})
    cfg = {"architecture": arch or host_arch(), "os": "linux", "config": config or {},
           "rootfs": {"type": "layers",
                      "diff_ids": diff_ids or ["sha256:" + sha(raw) for raw in layers]}}
    cb = json.dumps(cfg).encode()
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                      "digest": write_blob(layout, cb), "size": len(cb)},
           "layers": descs}
    mb = json.dumps(man).encode()
    return {"mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": write_blob(layout, mb), "size": len(mb),
            "platform": {"architecture": arch or host_arch(), "os": "linux"}}


def oci_layout(layout, layers, tag="latest", **kw):
    desc = image_manifest(layout, layers, **kw)
    desc["annotations"] = {"org.opencontainers.image.ref.name": tag}
    write_index(layout, [desc])
    return desc


def write_index(layout, descs):
    os.makedirs(layout, exist_ok=True)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": descs}, f)


def tar_dir(src, out):
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
        for name in sorted(os.listdir(src)):
            t.add(os.path.join(src, name), arcname=name)
    return out


def base_layer():
    return Tar().add_tree(make_base_rootfs()).bytes()


# ---------------------------------------------------------------- the tool

class Store:
    def __init__(self, path):
        self.path = path
        self.mounts = []

    def run(self, *args, check=True, timeout=120, **kw):
        p = subprocess.run([SKIFF_IMAGE, "--store", self.path] + [str(a) for a in args],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           env=dict(os.environ, SKIFF=SKIFF), **kw)
        if check and p.returncode != 0:
            raise AssertionError("skiff-image %s failed (%d): %s" % (
                " ".join(map(str, args)), p.returncode, p.stderr.decode()))
        return p

    def mount(self, name, d):
        self.run("mount", name, d)
        self.mounts.append(str(d))
        return os.path.join(str(d), "rootfs")

    def layer_dirs(self):
        return sorted(n for n in os.listdir(os.path.join(self.path, "layers"))
                      if not n.endswith(".lock"))

    def cleanup(self):
        for d in self.mounts:
            subprocess.run([SKIFF_IMAGE, "--store", self.path, "umount", d])


@pytest.fixture
def store(tmp_path):
    s = Store(str(tmp_path / "store"))
    yield s
    s.cleanup()
    with open("/proc/self/mountinfo") as f:
        assert str(tmp_path) not in f.read(), "mount left behind"


# ---------------------------------------------------------------- tree comparison

IGNORED_XATTRS = ("trusted.overlay.", "security.selinux")


def xattrs(p):
    out = {}
    try:
        names = os.listxattr(p, follow_symlinks=False)
    except OSError:
        return out
    for n in names:
        if n.startswith(IGNORED_XATTRS):
            continue
        out[n] = os.getxattr(p, n, follow_symlinks=False)
    return out


def describe(root):
    res = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            e = {"mode": oct(st.st_mode), "uid": st.st_uid, "gid": st.st_gid,
                 "xattrs": xattrs(p)}
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    e["sha"] = sha(f.read())
                e["size"] = st.st_size
                e["mtime"] = int(st.st_mtime)
            elif stat.S_ISLNK(st.st_mode):
                e["target"] = os.readlink(p)
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                e["rdev"] = st.st_rdev
            res[rel] = e
    return res


def umoci_unpack(layout, tag, dest):
    if shutil.which("umoci") is None:
        pytest.skip("umoci not installed")
    subprocess.run(["umoci", "--log", "error", "unpack", "--image", "%s:%s" % (layout, tag),
                    str(dest)], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(str(dest), "rootfs")


def gnu_sparse_layer(tmp_path, fmt):
    """A layer holding a sparse file, written by GNU tar (old GNU or PAX 1.0 sparse)."""
    src = tmp_path / ("sparse-src-" + fmt)
    (src / "sparse").mkdir(parents=True)
    p = src / "sparse" / ("holes-" + fmt)
    with open(p, "wb") as f:
        f.write(b"head")
        f.seek(5 << 20)
        f.write(b"middle")
        f.seek(12 << 20)
        f.write(b"tail")
    os.utime(p, (1600000000, 1600000000))
    out = tmp_path / ("sparse-%s.tar" % fmt)
    args = ["tar", "-C", str(src), "--sparse", "--numeric-owner", "--owner=0", "--group=0",
            "-cf", str(out), "sparse/" + p.name]
    if fmt == "pax":
        args[1:1] = ["--format=pax", "--sparse-version=1.0"]
    else:
        args[1:1] = ["--format=gnu"]
    subprocess.run(args, check=True)
    return out.read_bytes()


def rich_layers(tmp_path):
    l1 = (Tar().add_tree(make_base_rootfs())
          .dir("data", mode=0o755)
          .file("data/keep", b"keep\n")
          .file("data/gone", b"gone\n")
          .dir("data/opq", mode=0o750, uid=1000, gid=100)
          .file("data/opq/old1", b"old1")
          .file("data/opq/old2", b"old2")
          .dir("data/olddir")
          .file("data/olddir/x", b"x")
          .file("data/changed", b"v1", mode=0o600)
          .bytes())
    longdir = "data/" + "d" * 60 + "/" + "e" * 60
    l2 = (Tar()
          .file("data/.wh.gone")
          .file("data/.wh.olddir")
          .dir("data/opq", mode=0o770, uid=1000, gid=100)
          .file("data/opq/.wh..wh..opq")
          .file("data/opq/new", b"new", uid=1000, gid=1000)
          .file("data/changed", b"v2 changed", mode=0o640, uid=7, gid=8)
          .file("data/suid", b"#!/bin/sh\n", mode=0o4755)
          .dir("data/sticky", mode=0o1777)
          .file("data/caps", b"cap", mode=0o755,
                xattrs={"security.capability":
                        "\x01\x00\x00\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
                        "user.note": "hello"})
          .file("data/hl-src", b"linked content")
          .hardlink("data/hl-dst", "data/hl-src")
          .symlink("data/abs-link", "/etc/passwd")
          .symlink("data/rel-link", "../etc/group")
          .node("data/fifo", tarfile.FIFOTYPE, mode=0o600)
          .node("data/null", tarfile.CHRTYPE, 1, 3, mode=0o666)
          .node("data/loop", tarfile.BLKTYPE, 7, 0, mode=0o660, gid=6)
          .dir("data/" + "d" * 60)
          .dir(longdir)
          .file(longdir + "/" + "f" * 120, b"long name")
          .bytes())
    return [l1, l2, gnu_sparse_layer(tmp_path, "pax")]


# ---------------------------------------------------------------- tests

@pytest.mark.parametrize("how", ["gzip", "zstd", None])
def test_layers_match_umoci(store, tmp_path, how):
    if how == "zstd" and shutil.which("zstd") is None:
        pytest.skip("zstd not installed")
    layout = str(tmp_path / "layout")
    layers = rich_layers(tmp_path)
    oci_layout(layout, layers, tag="rich", how=how)
    store.run("import", layout, "--name", "rich")
    ours = describe(store.mount("rich", tmp_path / "m"))
    ulayout = layout
    if how == "zstd":  # umoci 0.4 reads no zstd: the same layers gzip'd
        ulayout = str(tmp_path / "layout-gz")
        oci_layout(ulayout, layers, tag="rich", how="gzip")
    theirs = describe(umoci_unpack(ulayout, "rich", tmp_path / "umoci"))
    # umoci writes its own metadata files next to the rootfs, not inside it.
    assert sorted(ours) == sorted(theirs)
    diffs = {k: (ours[k], theirs[k]) for k in ours if ours[k] != theirs[k]}
    # directory mtimes are not compared (overlay copy-up touches them); everything else is
    assert diffs == {}
    # spot checks so that a broken comparison can not pass silently
    assert "data/gone" not in ours and "data/olddir" not in ours
    assert sorted(n for n in ours if n.startswith("data/opq/")) == ["data/opq/new"]
    assert ours["data/suid"]["mode"] == oct(stat.S_IFREG | 0o4755)
    assert ours["data/caps"]["xattrs"]["user.note"] == b"hello"
    assert "security.capability" in ours["data/caps"]["xattrs"]
    assert ours["data/changed"]["uid"] == 7
    assert ours["sparse/holes-pax"]["size"] == (12 << 20) + 4
    st = os.stat(os.path.join(str(tmp_path / "m"), "rootfs", "sparse", "holes-pax"))
    assert st.st_blocks * 512 < st.st_size  # still sparse
    hl = os.path.join(str(tmp_path / "m"), "rootfs", "data")
    assert os.stat(hl + "/hl-src").st_ino == os.stat(hl + "/hl-dst").st_ino


def test_old_gnu_sparse(store, tmp_path):
    # umoci (Go archive/tar) can not read old GNU sparse members: checked against the source.
    layout = str(tmp_path / "layout")
    oci_layout(layout, [gnu_sparse_layer(tmp_path, "gnu")], tag="s")
    store.run("import", layout, "--name", "s")
    root = store.mount("s", tmp_path / "m")
    got = open(os.path.join(root, "sparse", "holes-gnu"), "rb").read()
    want = open(str(tmp_path / "sparse-src-gnu" / "sparse" / "holes-gnu"), "rb").read()
    assert len(got) == (12 << 20) + 4 and got == want
    st = os.stat(os.path.join(root, "sparse", "holes-gnu"))
    assert st.st_blocks * 512 < st.st_size


def test_whiteouts_in_layer_dir(store, tmp_path):
    layout = str(tmp_path / "layout")
    layers = [Tar().dir("a").file("a/x", b"1").dir("o").file("o/y", b"2").bytes(),
              Tar().file("a/.wh.x").file("o/.wh..wh..opq").file("o/z", b"3").bytes()]
    oci_layout(layout, layers, tag="w")
    store.run("import", layout, "--name", "w")
    top = os.path.join(store.path, "layers", sha(layers[1]))
    st = os.lstat(os.path.join(top, "a", "x"))
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == 0
    assert os.getxattr(os.path.join(top, "o"), "trusted.overlay.opaque") == b"y"


def test_oci_archive_and_reimport_shares_layers(store, tmp_path):
    layout = str(tmp_path / "layout")
    oci_layout(layout, [base_layer()], tag="v1")
    archive = tar_dir(layout, str(tmp_path / "img.tar"))
    out = store.run("--json", "import", archive, "--name", "one:v1")
    info = json.loads(out.stdout)
    assert info["name"] == "one:v1" and info["digest"].startswith("sha256:")
    quiet = store.run("import", layout, "--name", "two")
    assert quiet.stdout == b"" and quiet.stderr == b""  # no progress when not a terminal
    assert len(store.layer_dirs()) == 1
    names = [i["name"] for i in json.loads(store.run("list", "--format", "json").stdout)]
    assert names == ["one:v1", "two:latest"]
    insp = json.loads(store.run("inspect", "two").stdout)
    assert insp["digest"] == info["digest"] and len(insp["layers"]) == 1


def docker_save(tmp_path, layers, new_form, config=None, compress_layers=False):
    d = tmp_path / ("docker-new" if new_form else "docker-old")
    d.mkdir()
    cfg = json.dumps({"architecture": host_arch(), "os": "linux", "config": config or {},
                      "rootfs": {"type": "layers",
                                 "diff_ids": ["sha256:" + sha(l) for l in layers]}}).encode()
    entries = []
    for i, raw in enumerate(layers):
        blob = gzip.compress(raw, mtime=0) if compress_layers else raw
        if new_form:
            name = "blobs/sha256/" + sha(blob)
        else:
            name = "%064x/layer.tar" % (i + 1)
        (d / os.path.dirname(name)).mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(blob)
        entries.append(name)
    cname = ("blobs/sha256/%s" if new_form else "%s.json") % sha(cfg)
    (d / os.path.dirname(cname) if os.path.dirname(cname) else d).mkdir(parents=True, exist_ok=True)
    (d / cname).write_bytes(cfg)
    (d / "manifest.json").write_text(json.dumps(
        [{"Config": cname, "RepoTags": ["docker.io/library/saved:1"], "Layers": entries}]))
    return tar_dir(str(d), str(tmp_path / (d.name + ".tar")))


@pytest.mark.parametrize("new_form,gz", [(False, False), (True, False), (False, True)])
def test_docker_save(store, tmp_path, new_form, gz):
    layers = [base_layer(), Tar().file("etc/motd", b"from docker\n").bytes()]
    archive = docker_save(tmp_path, layers, new_form, compress_layers=gz)
    store.run("import", archive)
    root = store.mount("docker.io/library/saved:1", tmp_path / "m")
    with open(os.path.join(root, "etc", "motd")) as f:
        assert f.read() == "from docker\n"
    assert os.path.islink(os.path.join(root, "bin", "sh"))
    # the synthesized manifest is exportable and importable again
    store.run("export", "docker.io/library/saved:1", tmp_path / "re.tar")
    store.run("import", tmp_path / "re.tar", "--name", "again")
    assert json.loads(store.run("inspect", "again").stdout)["layers"][1]["diff_id"] == \
        "sha256:" + sha(layers[1])


def test_index_platform_selection(store, tmp_path):
    layout = str(tmp_path / "layout")
    other = "arm64" if host_arch() != "arm64" else "amd64"
    d_host = image_manifest(layout, [Tar().file("which", b"host").bytes()])
    d_other = image_manifest(layout, [Tar().file("which", b"other").bytes()], arch=other)
    # nested: the top index points at an index listing both platforms
    sub = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                      "manifests": [d_other, d_host]}).encode()
    write_index(layout, [{"mediaType": "application/vnd.oci.image.index.v1+json",
                          "digest": write_blob(layout, sub), "size": len(sub),
                          "annotations": {"org.opencontainers.image.ref.name": "multi"}}])
    store.run("import", layout, "--name", "m:host")
    store.run("import", layout, "--name", "m:other", "--platform", "linux/" + other)
    assert json.loads(store.run("inspect", "m:host").stdout)["digest"] == d_host["digest"]
    assert json.loads(store.run("inspect", "m:other").stdout)["digest"] == d_other["digest"]
    p = store.run("import", layout, "--name", "m:none", "--platform", "linux/s390x", check=False)
    assert p.returncode != 0 and b"no manifest for platform linux/s390x" in p.stderr


def test_layout_ref_selection(store, tmp_path):
    layout = str(tmp_path / "layout")
    da = image_manifest(layout, [Tar().file("which", b"a").bytes()])
    db = image_manifest(layout, [Tar().file("which", b"b").bytes()])
    da["annotations"] = {"org.opencontainers.image.ref.name": "a"}
    db["annotations"] = {"org.opencontainers.image.ref.name": "b"}
    write_index(layout, [da, db])
    store.run("import", layout + ":b")
    assert json.loads(store.run("inspect", "b").stdout)["digest"] == db["digest"]
    p = store.run("import", layout + ":c", check=False)
    assert p.returncode != 0 and b'no image named "c"' in p.stderr


# ---------------------------------------------------------------- hostile layers

def import_hostile(store, tmp_path, raw, how="gzip", **kw):
    layout = str(tmp_path / "hostile")
    oci_layout(layout, [raw], tag="h", how=how, **kw)
    return store.run("import", layout, "--name", "h", check=False)


def assert_no_partial(store):
    assert store.layer_dirs() == []
    assert store.run("list", "--format", "json").stdout.strip() == b"[]"
    assert [n for n in os.listdir(os.path.join(store.path, "blobs", "sha256"))
            if n.startswith(".tmp")] == []


def test_hostile_dotdot(store, tmp_path):
    victim = tmp_path / "victim"
    rel = os.path.relpath(str(victim), "/")
    p = import_hostile(store, tmp_path, Tar().file("../" * 30 + rel, b"pwned").bytes())
    assert p.returncode != 0 and b'".."' in p.stderr
    assert not victim.exists()
    assert_no_partial(store)


def test_hostile_absolute_path_confined(store, tmp_path):
    victim = tmp_path / "abs-victim"
    p = import_hostile(store, tmp_path, Tar().file(str(victim), b"inside").bytes())
    assert p.returncode == 0, p.stderr
    assert not victim.exists()
    root = store.mount("h", tmp_path / "m")
    with open(root + str(victim)) as f:
        assert f.read() == "inside"


@pytest.mark.parametrize("target", ["ABS", "../../../../../../../../ABS"])
def test_hostile_symlink_then_write_through(store, tmp_path, target):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = target.replace("ABS", str(outside).lstrip("/")) if target != "ABS" else str(outside)
    raw = Tar().symlink("esc", target).file("esc/pwned", b"pwned").bytes()
    p = import_hostile(store, tmp_path, raw)
    assert not (outside / "pwned").exists()
    if p.returncode == 0:  # confined: the write landed inside the layer
        root = store.mount("h", tmp_path / "m")
        assert os.path.exists(os.path.join(root, str(outside).lstrip("/"), "pwned"))


@pytest.mark.parametrize("link", ["/etc/passwd", "../../../../../../etc/passwd", "s/passwd"])
def test_hostile_hardlink_outside(store, tmp_path, link):
    raw = Tar().symlink("s", "/etc").hardlink("h", link).bytes()
    p = import_hostile(store, tmp_path, raw)
    assert p.returncode != 0
    host = os.stat("/etc/passwd")
    assert host.st_nlink == 1
    assert_no_partial(store)


def test_decompression_bomb(store, tmp_path):
    raw = Tar().file("zeros", b"\0" * (20 << 20)).bytes()
    layout = str(tmp_path / "bomb")
    oci_layout(layout, [raw], tag="b")
    p = store.run("import", layout, "--name", "b", "--max-layer-size", str(1 << 20), check=False)
    assert p.returncode != 0 and b"exceeds the limit" in p.stderr
    assert_no_partial(store)


@pytest.mark.parametrize("how", ["gzip", "zstd"])
@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_broken_compression(store, tmp_path, how, damage):
    if how == "zstd" and shutil.which("zstd") is None:
        pytest.skip("zstd not installed")
    raw = Tar().file("f", os.urandom(6 << 20)).bytes()  # above the readahead threshold
    blob = compress(raw, how)
    if damage == "truncate":
        blob = blob[:len(blob) // 2]
    else:
        blob = blob[:200] + bytes(b ^ 0x55 for b in blob[200:400]) + blob[400:]
    layout = str(tmp_path / "broken")
    os.makedirs(layout)
    bd = write_blob(layout, blob)
    cfg = json.dumps({"architecture": host_arch(), "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(raw)]}}).encode()
    man = json.dumps({"schemaVersion": 2, "config": {
        "mediaType": "application/vnd.oci.image.config.v1+json", "digest": write_blob(layout, cfg),
        "size": len(cfg)}, "layers": [{"mediaType": MEDIA[how], "digest": bd,
                                       "size": len(blob)}]}).encode()
    write_index(layout, [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "digest": write_blob(layout, man), "size": len(man)}])
    p = store.run("import", layout, "--name", "x", check=False)
    assert p.returncode != 0
    assert_no_partial(store)


def test_blob_digest_mismatch(store, tmp_path):
    layout = str(tmp_path / "layout")
    desc = oci_layout(layout, [Tar().file("f", b"1").bytes()], tag="t")
    man = json.load(open(os.path.join(layout, "blobs", "sha256", desc["digest"][7:])))
    lpath = os.path.join(layout, "blobs", "sha256", man["layers"][0]["digest"][7:])
    with open(lpath, "wb") as f:
        f.write(gzip.compress(Tar().file("f", b"2").bytes(), mtime=0))
    p = store.run("import", layout, "--name", "t", check=False)
    assert p.returncode != 0
    assert man["layers"][0]["digest"].encode() in p.stderr and b"mismatch" in p.stderr
    assert_no_partial(store)


def test_diff_id_mismatch(store, tmp_path):
    p = import_hostile(store, tmp_path, Tar().file("f", b"1").bytes(),
                       diff_ids=["sha256:" + "0" * 64])
    assert p.returncode != 0 and b"diff_id" in p.stderr
    assert_no_partial(store)


def test_layer_count_mismatch(store, tmp_path):
    # More diff_ids than layers: a clean error, not a crash on the half-built job list.
    raw = Tar().file("f", b"1").bytes()
    p = import_hostile(store, tmp_path, raw,
                       diff_ids=["sha256:" + sha(raw), "sha256:" + "0" * 64])
    assert p.returncode == 1 and b"rootfs.diff_ids" in p.stderr
    assert_no_partial(store)


def test_whiteout_with_data_is_skipped(store, tmp_path):
    # A whiteout member carrying data: the data is skipped, never parsed as the next header.
    layout = str(tmp_path / "layout")
    layers = [Tar().file("x", b"1").bytes(),
              Tar().file(".wh.x", b"junk" * 300).file("after", b"2").bytes()]
    oci_layout(layout, layers, tag="wd")
    store.run("import", layout, "--name", "wd")
    top = os.path.join(store.path, "layers", sha(layers[1]))
    assert open(os.path.join(top, "after"), "rb").read() == b"2"
    assert stat.S_ISCHR(os.lstat(os.path.join(top, "x")).st_mode)


# ---------------------------------------------------------------- store behaviour

def test_stale_temporaries_cleaned(store, tmp_path):
    raw = base_layer()
    layout = str(tmp_path / "layout")
    oci_layout(layout, [raw], tag="t")
    os.makedirs(os.path.join(store.path, "layers", ".tmp-%s-99999-1" % sha(raw), "half"))
    store.run("import", layout, "--name", "t")
    assert store.layer_dirs() == [sha(raw)]


def test_killed_import_leaves_no_image(store, tmp_path):
    sizes = [8 << 20, 8 << 20, 8 << 20]
    layers = [Tar().file("big%d" % i, os.urandom(n)).bytes() for i, n in enumerate(sizes)]
    layout = str(tmp_path / "layout")
    oci_layout(layout, layers, tag="k")
    for delay in (0.02, 0.1, 0.3):
        p = subprocess.Popen([SKIFF_IMAGE, "--store", store.path, "import", layout, "--name", "k"])
        time.sleep(delay)
        p.kill()
        p.wait()
        listed = b"k:latest" in store.run("list").stdout
        # the name appears only once every layer is complete under its final name (the kill
        # may land after that, before exit)
        if listed:
            assert store.layer_dirs() == sorted(sha(l) for l in layers)
        for n in store.layer_dirs():
            if n.startswith(".tmp"):
                continue  # invisible leftovers, cleaned by the next import
            i = [sha(l) for l in layers].index(n)
            f = os.path.join(store.path, "layers", n, "big%d" % i)
            assert os.path.getsize(f) == sizes[i]
        store.run("rm", "k", check=False)
    store.run("import", layout, "--name", "k")
    assert store.layer_dirs() == sorted(sha(l) for l in layers)


def test_concurrent_imports_share_layers(store, tmp_path):
    shared = base_layer()
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    oci_layout(a, [shared, Tar().file("a", b"a").bytes()], tag="a")
    oci_layout(b, [shared, Tar().file("b", b"b").bytes()], tag="b")
    ps = [subprocess.Popen([SKIFF_IMAGE, "--store", store.path, "import", d, "--name", n],
                           stderr=subprocess.PIPE) for d, n in ((a, "a"), (b, "b"))]
    for p in ps:
        assert p.wait() == 0, p.stderr.read()
    assert len(store.layer_dirs()) == 3


def test_many_layers_mount(store, tmp_path):
    layers = [Tar().file("f%03d" % i, b"%d" % i).bytes() for i in range(120)]
    layout = str(tmp_path / "layout")
    oci_layout(layout, layers, tag="many", how=None)
    store.run("import", layout, "--name", "many")
    root = store.mount("many", tmp_path / "m")
    assert len([n for n in os.listdir(root) if n.startswith("f")]) == 120


def test_rm_tag_gc(store, tmp_path):
    layout = str(tmp_path / "layout")
    oci_layout(layout, [base_layer()], tag="t")
    store.run("import", layout, "--name", "a")
    store.run("tag", "a", "b:2")
    store.run("rm", "a")
    store.run("gc")
    assert len(store.layer_dirs()) == 1
    store.run("rm", "b:2")
    p = store.run("rm", "b:2", check=False)
    assert p.returncode != 0 and b"no such image" in p.stderr
    store.run("gc")
    assert store.layer_dirs() == []
    assert os.listdir(os.path.join(store.path, "blobs", "sha256")) == []


# ---------------------------------------------------------------- bundle and run

def test_bundle_config(store, tmp_path):
    layout = str(tmp_path / "layout")
    cfg = {"Entrypoint": ["/bin/sh", "-c"], "Cmd": ["id"], "Env": ["FOO=bar", "PATH=/bin"],
           "WorkingDir": "/home/user", "User": "user", "Volumes": {"/data": {}},
           "Labels": {"org.example.k": "v"}, "StopSignal": "SIGQUIT"}
    oci_layout(layout, [base_layer()], tag="c", config=cfg)
    store.run("import", layout, "--name", "c")
    b = tmp_path / "b"
    store.run("bundle", "c", b)
    store.mounts.append(str(b))
    c = json.load(open(b / "config.json"))
    pr = c["process"]
    assert pr["args"] == ["/bin/sh", "-c", "id"]
    assert "FOO=bar" in pr["env"] and "PATH=/bin" in pr["env"] and "HOME=/home/user" in pr["env"]
    assert pr["cwd"] == "/home/user"
    assert pr["user"]["uid"] == 1000 and pr["user"]["gid"] == 1000
    assert pr["user"]["additionalGids"] == [100]
    assert c["annotations"]["org.example.k"] == "v"
    assert c["annotations"]["org.opencontainers.image.stopSignal"] == "SIGQUIT"
    vol = [m for m in c["mounts"] if m["destination"] == "/data"]
    assert vol and os.path.isdir(vol[0]["source"]) and vol[0]["source"].startswith(str(b))
    store.run("umount", b)
    store.mounts.remove(str(b))
    assert not os.path.exists(b / "rootfs")


def test_user_lookup_is_confined(store, tmp_path):
    # /etc/passwd in the image is a symlink to the host's: must not be read through.
    raw = (Tar().add_tree(make_base_rootfs()).symlink("etc/passwd", "/../../../etc/shadow")
           .bytes())
    layout = str(tmp_path / "layout")
    oci_layout(layout, [raw], tag="u", config={"User": "root"})
    store.run("import", layout, "--name", "u")
    p = store.run("bundle", "u", tmp_path / "b", check=False)
    store.mounts.append(str(tmp_path / "b"))
    assert p.returncode != 0 and b'user "root"' in p.stderr


def test_user_lookup_fifo_does_not_hang(store, tmp_path):
    # /etc/passwd in the image is a FIFO: never opened for reading (that would block).
    raw = Tar().add_tree(make_base_rootfs()).node("etc/passwd", tarfile.FIFOTYPE).bytes()
    layout = str(tmp_path / "layout")
    oci_layout(layout, [raw], tag="f", config={"User": "0"})
    store.run("import", layout, "--name", "f")
    store.mounts.append(str(tmp_path / "b"))
    store.run("bundle", "f", tmp_path / "b", timeout=30)
    cfg = json.load(open(tmp_path / "b" / "config.json"))
    assert cfg["process"]["user"]["uid"] == 0


def test_run_exit_status_and_cleanup(store, tmp_path):
    layout = str(tmp_path / "layout")
    oci_layout(layout, [base_layer()], tag="r", config={"Cmd": ["sh", "-c", "exit 7"]})
    store.run("import", layout, "--name", "r")
    assert store.run("run", "r", check=False).returncode == 7
    p = store.run("run", "r", "--", "sh", "-c", "cat /proc/self/status | grep ^NSpid; "
                  "grep ' / ' /proc/self/mountinfo", check=False)
    assert p.returncode == 0, p.stderr
    assert b"NSpid:" in p.stdout and b"overlay" in p.stdout
    assert os.listdir(os.path.join(store.path, "tmp")) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_signal_cleans_up(store, tmp_path, sig):
    layout = str(tmp_path / "layout")
    oci_layout(layout, [base_layer()], tag="r")
    store.run("import", layout, "--name", "r")
    name = "TERM" if sig == signal.SIGTERM else "INT"
    # --rw: the container's readiness marker lands in the bundle's upper dir, visible here
    p = subprocess.Popen([SKIFF_IMAGE, "--store", store.path, "run", "r", "--rw", "--", "sh", "-c",
                          "trap 'exit 3' %s; touch /ready; sleep 60 & wait" % name],
                         env=dict(os.environ, SKIFF=SKIFF))
    tmpdir = os.path.join(store.path, "tmp")
    ready = False
    for _ in range(600):
        if os.path.isdir(tmpdir) and any(os.path.exists(os.path.join(tmpdir, d, "upper", "ready"))
                                         for d in os.listdir(tmpdir)):
            ready = True
            break
        assert p.poll() is None, "run exited early"
        time.sleep(0.05)
    assert ready
    p.send_signal(sig)
    assert p.wait(timeout=60) == 3  # the container's own exit status, passed through
    assert os.listdir(tmpdir) == []
    with open("/proc/self/mountinfo") as f:
        assert store.path not in f.read()


# ---------------------------------------------------------------- commit / export / podman

def test_commit_export_podman_load(store, tmp_path):
    if shutil.which("podman") is None:
        pytest.skip("podman not installed")
    layout = str(tmp_path / "layout")
    oci_layout(layout, [base_layer(), Tar().dir("opq").file("opq/old", b"o").bytes()], tag="base")
    store.run("import", layout, "--name", "base")
    b = tmp_path / "b"
    root = store.mount("base", b)
    with open(os.path.join(root, "etc", "motd"), "w") as f:
        f.write("committed change\n")
    os.unlink(os.path.join(root, "bin", "vi"))
    shutil.rmtree(os.path.join(root, "opq"))
    os.mkdir(os.path.join(root, "opq"))
    with open(os.path.join(root, "opq", "new"), "w") as f:
        f.write("n")
    store.run("commit", b, "changed:1")
    out = tmp_path / "changed.tar"
    store.run("export", "changed:1", out)
    # our own merged view of the committed image
    mine = describe(store.mount("changed:1", tmp_path / "m2"))
    assert "bin/vi" not in mine and sorted(k for k in mine if k.startswith("opq/")) == ["opq/new"]
    pdir = tempfile.mkdtemp(prefix="skp-", dir="/tmp")  # podman wants a short runroot
    pod = ["podman", "--root", pdir + "/root", "--runroot", pdir + "/run",
           "--storage-driver", "vfs"]
    try:
        subprocess.run(pod + ["load", "-i", str(out)], check=True, stdout=subprocess.PIPE)
        cid = subprocess.run(pod + ["create", "localhost/changed:1", "true"], check=True,
                             stdout=subprocess.PIPE).stdout.decode().strip()
        exp = tmp_path / "podman-fs.tar"
        subprocess.run(pod + ["export", "-o", str(exp), cid], check=True)
        with tarfile.open(exp) as t:
            names = set(n.lstrip("./") for n in t.getnames())
            assert t.extractfile("etc/motd").read() == b"committed change\n"
        assert "bin/vi" not in names and "opq/new" in names and "opq/old" not in names
    finally:
        subprocess.run(pod + ["rm", "-a", "-f"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        subprocess.run(pod + ["system", "reset", "-f"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        subprocess.run(["umount", "-R", pdir + "/root"], stderr=subprocess.DEVNULL)
        shutil.rmtree(pdir, ignore_errors=True)


def test_mount_and_umount_never_touch_foreign_files(store, tmp_path):
    """umount removes rootfs/upper/work/volumes/config.json: only in a directory skiff-image
    made; mount/bundle refuse a directory that already holds any of them (their failure cleanup
    would remove them)."""
    layout = str(tmp_path / "layout")
    oci_layout(layout, [Tar().dir("a").file("a/x", b"1").bytes()], tag="f")
    store.run("import", layout, "--name", "f")
    mine = tmp_path / "mine"
    (mine / "rootfs").mkdir(parents=True)
    (mine / "config.json").write_text("precious")
    r = store.run("umount", mine, check=False)
    assert r.returncode != 0 and b"not a directory made by skiff-image" in r.stderr, r.stderr
    r = store.run("bundle", "f", mine, check=False)
    assert r.returncode != 0 and b"already has rootfs" in r.stderr, r.stderr
    assert (mine / "config.json").read_text() == "precious" and (mine / "rootfs").is_dir()
    assert str(mine / "rootfs") not in open("/proc/self/mountinfo").read()
