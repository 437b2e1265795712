"""Set up everything the web page needs in web/vendor (git-ignored) — `python vendor.py [--force]`; serve.py
calls it on start, so `python serve.py` alone sets up a fresh machine (issue 11: vendoring apart from serving).

It vendors the pinned Pyodide runtime from npm, micropip and tzdata wheels for Pyodide's Python from PyPI, a
pyodide-lock.json that lists only what is shipped (with real sha256, so nothing can fall back to a CDN and
Chromium's integrity check passes), the py_core wheel, and a start-up snapshot of the initialised interpreter
(made with Node; the page boots without it, only slower). It runs again whenever pyodide.config.json,
package-lock.json or py_core changed. Standard library only.
"""

import base64
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.abspath(__file__))
CONFIG_PATH = os.path.join(ROOT, "pyodide.config.json")
WEB = os.path.join(ROOT, "web")


class VendorError(RuntimeError):
    """Set-up cannot finish; the message says what to do."""


def load_config():
    with open(CONFIG_PATH, encoding="utf-8") as f:
        return json.load(f)


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _core_files():
    """py_core's files, relative to it, its layer folders included."""
    pkg = os.path.join(ROOT, "py_core")
    out = []
    for folder, dirs, files in os.walk(pkg):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        rel = os.path.relpath(folder, pkg)
        out += [f if rel == "." else f"{rel}/{f}" for f in files if f.endswith(".py") or f == "prices.json"]
    return sorted(out)


def _inputs_digest():
    """What the vendored files depend on: the config, the npm lock, this script, every py_core file."""
    h = hashlib.sha256()
    for rel in ["pyodide.config.json", "package-lock.json", "vendor.py"] + ["py_core/" + f for f in _core_files()]:
        p = os.path.join(ROOT, rel)
        if os.path.exists(p):
            h.update(rel.encode() + b"\0")
            with open(p, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def core_version():
    with open(os.path.join(ROOT, "py_core", "version.py"), encoding="utf-8") as f:
        return re.search(r'__version__ = "([^"]+)"', f.read()).group(1)


def build_core_wheel(out_dir, dist="tokenscope", package="py_core"):
    """A pure-Python wheel of py_core, built with zipfile (no build tool needed), byte-for-byte reproducible."""
    version = core_version()
    name = f"{dist}-{version}-py3-none-any.whl"
    path = os.path.join(out_dir, name)
    info = f"{dist}-{version}.dist-info"
    entries = []
    for f in _core_files():
        with open(os.path.join(ROOT, package, f), "rb") as fh:
            entries.append((f"{package}/{f}", fh.read()))
    entries.append((f"{info}/METADATA", (f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
                                         "Requires-Python: >=3.11\n").encode()))
    entries.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: tokenscope-serve\nRoot-Is-Purelib: true\n"
                                     b"Tag: py3-none-any\n"))
    record = []
    for arc, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{arc},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    entries.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode()))
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for arc, data in entries:
            zi = zipfile.ZipInfo(arc, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    os.replace(tmp, path)
    return name


def _run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise VendorError(f"{' '.join(cmd)} failed:\n{r.stdout[-2000:]}{r.stderr[-2000:]}")


# Issue 4 (ready within 3 s from a cold profile): ~2.1 s of Pyodide's start is CPython initialising inside
# WebAssembly. Pyodide can restore the memory of an initialised interpreter instead (`_makeSnapshot` /
# `_loadSnapshot`, experimental): made here once, under Node, from the very files we ship; the page then
# starts in ~1.4 s. Node runs with an empty environment in a temporary folder so that nothing of this machine
# (variables, paths) can end up in a file we publish; a test checks the bytes.
SNAPSHOT_JS = r"""
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [indexDir, out] = process.argv.slice(1);
const indexURL = indexDir + "/"; // a path under Node, not a file: URL
const { loadPyodide } = await import(pathToFileURL(indexURL + "pyodide.mjs").href);
const py = await loadPyodide({ indexURL, packageBaseUrl: indexURL, _makeSnapshot: true,
                               stdout: () => {}, stderr: () => {} });
writeFileSync(out, py.makeMemorySnapshot());
"""
SNAPSHOT = "snapshot.bin.gz"


def build_snapshot(pyo, log=print):
    """vendor/pyodide/snapshot.bin.gz for these runtime files, or None (the page then boots the slow way)."""
    inputs = hashlib.sha256()
    for f in ("pyodide.asm.wasm", "pyodide.asm.mjs", "pyodide.mjs", "python_stdlib.zip", "pyodide-lock.json"):
        inputs.update(_sha256(os.path.join(pyo, f)).encode())
    stamp = os.path.join(pyo, SNAPSHOT + ".for")
    target = os.path.join(pyo, SNAPSHOT)
    if os.path.exists(target) and os.path.exists(stamp):
        with open(stamp) as f:
            if f.read().strip() == inputs.hexdigest():
                return SNAPSHOT
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        log("tokenscope: node not found, so no start-up snapshot (the page starts ~2 s slower)")
        return None
    log("tokenscope: making the Pyodide start-up snapshot ...")
    with tempfile.TemporaryDirectory(prefix="tokenscope-snapshot-") as tmp:
        raw = os.path.join(tmp, "snapshot.bin")
        # The runtime is reached through a link with a neutral name: the interpreter keeps the folder it
        # started from in its memory, and this machine's paths must not travel with the page.
        os.symlink(os.path.abspath(pyo), os.path.join(tmp, "pyodide"))
        try:
            r = subprocess.run([node, "--input-type=module", "-e", SNAPSHOT_JS, "pyodide", raw], cwd=tmp,
                               env={"PATH": os.path.dirname(node)}, capture_output=True, text=True, timeout=300)
            said = (r.stderr or r.stdout)[-300:].strip() if r.returncode != 0 else ""
        except subprocess.TimeoutExpired:
            said = "no answer within 300 s"
        if said or not os.path.exists(raw):
            log(f"tokenscope: no start-up snapshot (node said: {said or 'nothing'})")
            return None
        with open(raw, "rb") as src, open(target + ".tmp", "wb") as dst:
            # mtime=0: the same snapshot gives the same file.
            with gzip.GzipFile(fileobj=dst, mode="wb", compresslevel=6, mtime=0, filename="") as z:
                shutil.copyfileobj(src, z, 1 << 20)
    os.replace(target + ".tmp", target)
    with open(stamp, "w") as f:
        f.write(inputs.hexdigest())
    return SNAPSHOT


def vendor(force=False, log=print):
    """Bring web/vendor up to date with the config and py_core; returns the manifest."""
    cfg = load_config()
    out = os.path.join(ROOT, cfg["vendor_dir"])
    pyo = os.path.join(out, "pyodide")
    stamp_path = os.path.join(out, ".stamp")
    manifest_path = os.path.join(out, "manifest.json")
    digest = _inputs_digest()
    if not force and os.path.exists(stamp_path) and os.path.exists(manifest_path):
        with open(stamp_path) as f:
            if f.read().strip() == digest:
                with open(manifest_path) as m:
                    return json.load(m)
    version = cfg["pyodide_version"]
    npm_pkg = os.path.join(ROOT, "node_modules", "pyodide")
    installed = None
    if os.path.exists(os.path.join(npm_pkg, "package.json")):
        with open(os.path.join(npm_pkg, "package.json")) as f:
            installed = json.load(f).get("version")
    if installed != version:
        npm = shutil.which("npm")
        if not npm:
            raise VendorError("npm is missing: install Node.js and npm (Debian: apt-get install -y nodejs npm), "
                              "then run python serve.py again")
        log(f"tokenscope: installing pyodide {version} with npm ...")
        lock = os.path.exists(os.path.join(ROOT, "package-lock.json"))
        _run([npm, "ci" if lock else "install", "--no-audit", "--no-fund"], ROOT)
        with open(os.path.join(npm_pkg, "package.json")) as f:
            installed = json.load(f).get("version")
        if installed != version:
            raise VendorError(f"package.json pins pyodide {installed}, but pyodide.config.json says {version}: "
                              "make them agree")
    os.makedirs(pyo, exist_ok=True)
    for f in cfg["runtime_files"]:
        shutil.copyfile(os.path.join(npm_pkg, f), os.path.join(pyo, f))
    shipped = {}
    for w in cfg["pypi_wheels"]:
        have = [f for f in os.listdir(pyo) if f.startswith(f"{w['name']}-{w['version']}-") and f.endswith(".whl")]
        if not have:
            log(f"tokenscope: downloading {w['name']} {w['version']} for Pyodide's Python {cfg['pyodide_python']} ...")
            # --python-version: otherwise pip silently picks a wheel for the host's Python (pyodide.md).
            # --platform for a wheel with compiled code: Pyodide's ABI (msgspec: pyemscripten_<abi_version>).
            platform = ["--platform", w["platform"]] if w.get("platform") else []
            _run([sys.executable, "-m", "pip", "download", f"{w['name']}=={w['version']}", "--no-deps",
                  "--only-binary=:all:", "--python-version", cfg["pyodide_python"], *platform,
                  "--disable-pip-version-check", "-d", pyo], ROOT)
            have = [f for f in os.listdir(pyo) if f.startswith(f"{w['name']}-{w['version']}-") and f.endswith(".whl")]
        shipped[w["name"]] = have[0]
    with open(os.path.join(npm_pkg, cfg["lock_file"]), encoding="utf-8") as f:
        lock = json.load(f)
    packages = {}
    for name, file_name in shipped.items():
        entry = dict(lock["packages"].get(name) or {"name": name, "depends": [], "imports": [name],
                                                     "install_dir": "site", "package_type": "package"})
        entry.update(file_name=file_name, sha256=_sha256(os.path.join(pyo, file_name)),
                     version=file_name.split("-")[1])
        packages[name] = entry
    lock["packages"] = packages  # only what ships: nothing may be fetched from a CDN
    with open(os.path.join(pyo, cfg["lock_file"]), "w", encoding="utf-8") as f:
        json.dump(lock, f, indent=1, sort_keys=True)
    for f in os.listdir(out):
        if f.endswith(".whl"):
            os.remove(os.path.join(out, f))
    wheel = build_core_wheel(out, cfg["core_wheel"]["distribution"], cfg["core_wheel"]["package"])
    snapshot = build_snapshot(pyo, log)
    manifest = {
        "pyodide_version": version,
        "index_url": "vendor/pyodide/",
        "snapshot": "vendor/pyodide/" + snapshot if snapshot else None,
        "core_wheel": "vendor/" + wheel,
        "core_sha256": _sha256(os.path.join(out, wheel)),
        "wheels": {name: "vendor/pyodide/" + f for name, f in shipped.items()},
    }
    with open(manifest_path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    _sample_report(os.path.join(out, "sample-report.json"))
    with open(stamp_path, "w") as f:
        f.write(digest)
    log(f"tokenscope: web/vendor ready (pyodide {version}, {wheel})")
    return manifest


def _sample_report(path):
    """The sample log's --json report, for web/embed.html's report-widget example (built, not committed)."""
    sys.path.insert(0, ROOT)
    from py_core import Analyzer, build_report
    with open(os.path.join(WEB, "sample.jsonl"), "rb") as f:
        report = build_report(Analyzer().feed_bytes("sample.jsonl", f.read()), tz="UTC")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f)


def setup(force=False):
    """vendor(), as a command: 0, or 1 with the one-line reason on stderr."""
    try:
        vendor(force=force)
    except VendorError as exc:
        print(f"tokenscope: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    import argparse
    p = argparse.ArgumentParser(description="Set up web/vendor for the tokenscope page.")
    p.add_argument("--force", action="store_true", help="vendor again even if nothing changed")
    return setup(force=p.parse_args(argv).force)


if __name__ == "__main__":
    sys.exit(main())
