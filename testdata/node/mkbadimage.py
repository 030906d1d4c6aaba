#!/usr/bin/env python3
"""Writes an OCI image layout whose single layer is hostile, for the
layer-safety tests:

  mkbadimage.py KIND DIR [MARKER]

KIND: dotdot (an entry "../MARKER"), device (a block device etc/sda),
symlink (entry "esc" -> "/" then "esc/MARKER": must land inside the
layer), hardlink (a hard link to "../../MARKER"), abs (an entry
"/MARKER" which must land inside the layer)."""
import hashlib, io, json, os, sys, tarfile

kind, out = sys.argv[1], sys.argv[2]
marker = sys.argv[3] if len(sys.argv) > 3 else "tmp/pkg-bad-marker"

buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    def add(name, data=b"x", **kw):
        ti = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(ti, k, v)
        if ti.type == tarfile.REGTYPE:
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        else:
            t.addfile(ti)
    add("ok.txt", b"fine\n")
    if kind == "dotdot":
        add("../" + marker, b"escaped\n")
    elif kind == "device":
        add("etc/sda", type=tarfile.BLKTYPE, devmajor=8, devminor=0)
    elif kind == "symlink":
        add("esc", type=tarfile.SYMTYPE, linkname="/")
        add("esc/" + marker, b"confined\n")
    elif kind == "hardlink":
        add("hl", type=tarfile.LNKTYPE, linkname="../../" + marker)
    elif kind == "abs":
        add("/" + marker, b"confined\n")
    else:
        sys.exit("unknown kind " + kind)
layer = buf.getvalue()

def put(data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)

os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
ld, ls = put(layer)
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                  "rootfs": {"type": "layers", "diff_ids": [ld]}}).encode()
cd, cs = put(cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                             "digest": cd, "size": cs},
                  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                              "digest": ld, "size": ls}]}).encode()
md, ms = put(man)
with open(os.path.join(out, "oci-layout"), "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": ms,
         "annotations": {"org.opencontainers.image.ref.name": "pkg.test/bad-" + kind + ":1"}}]}, f)
