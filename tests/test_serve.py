"""serve.py: vendoring from pyodide.config.json, the wheel, and the headers every response carries."""

import json
import shutil
import threading
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

import serve
import vendor

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def served():
    manifest = vendor.vendor(log=lambda *a: None)
    srv = serve.make_server("127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", manifest
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("path, mime", [
    ("/", "text/html; charset=utf-8"),
    ("/worker.mjs", "text/javascript"),
    ("/app.js", "text/javascript"),
    ("/vendor/pyodide/pyodide.asm.wasm", "application/wasm"),
    ("/vendor/pyodide/pyodide.mjs", "text/javascript"),
    ("/vendor/pyodide/pyodide-lock.json", "application/json"),
    ("/style.css", "text/css"),
])
def test_mime_types_and_csp(served, path, mime):
    """Intent: explicit MIME types (some OSes map .js/.wasm wrongly) and a CSP of this origin only."""
    base, _ = served
    with urllib.request.urlopen(base + path) as r:
        assert r.headers["Content-Type"] == mime
        csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    assert "'unsafe-eval'" not in csp.replace("'wasm-unsafe-eval'", "") and "'unsafe-inline'" not in csp
    assert "http" not in csp  # no other origin is allowed anywhere


def test_wheel_served_and_manifest_consistent(served):
    """Intent: the manifest points at files that exist; the core wheel holds py_core and prices.json."""
    base, manifest = served
    assert manifest["pyodide_version"] == json.loads((ROOT / "pyodide.config.json").read_text())["pyodide_version"]
    with urllib.request.urlopen(base + "/" + manifest["core_wheel"]) as r:
        assert r.headers["Content-Type"] == "application/zip"
        data = r.read()
    wheel = ROOT / "web" / manifest["core_wheel"]
    assert data == wheel.read_bytes()
    names = zipfile.ZipFile(wheel).namelist()
    assert "py_core/shells/api.py" in names and "py_core/core/prices.json" in names
    assert any(n.endswith(".dist-info/RECORD") for n in names)


def test_lock_lists_only_shipped_wheels_with_real_hashes():
    """Intent: the pruned lock cannot send Pyodide to a CDN, and its hashes pass Chromium's integrity check."""
    vendor.vendor(log=lambda *a: None)
    pyo = ROOT / "web" / "vendor" / "pyodide"
    lock = json.loads((pyo / "pyodide-lock.json").read_text())
    assert set(lock["packages"]) == {"micropip", "tzdata", "msgspec"}
    for entry in lock["packages"].values():
        assert entry["sha256"] == vendor._sha256(pyo / entry["file_name"])


def test_core_wheel_is_reproducible(tmp_path):
    """Intent: building the wheel twice gives the same bytes (so the stamp and caches are meaningful)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    n1 = vendor.build_core_wheel(str(tmp_path / "a"))
    n2 = vendor.build_core_wheel(str(tmp_path / "b"))
    assert (tmp_path / "a" / n1).read_bytes() == (tmp_path / "b" / n2).read_bytes()


def test_npm_missing_is_one_line(tmp_path, monkeypatch):
    """Intent: without npm, set-up says so in one line instead of a traceback."""
    for f in ("pyodide.config.json", "package.json"):
        shutil.copy(ROOT / f, tmp_path / f)
    shutil.copytree(ROOT / "py_core", tmp_path / "py_core")
    monkeypatch.setattr(vendor, "ROOT", str(tmp_path))
    monkeypatch.setattr(vendor, "CONFIG_PATH", str(tmp_path / "pyodide.config.json"))
    monkeypatch.setattr(vendor.shutil, "which", lambda name: None)
    with pytest.raises(vendor.VendorError) as e:
        vendor.vendor(log=lambda *a: None)
    assert "npm is missing" in str(e.value) and "\n" not in str(e.value)


def test_pyodide_version_named_once():
    """Intent: one source of truth: the version appears in pyodide.config.json and the npm pin, nowhere in web/."""
    version = json.loads((ROOT / "pyodide.config.json").read_text())["pyodide_version"]
    assert json.loads((ROOT / "package.json").read_text())["dependencies"]["pyodide"] == version
    for f in (ROOT / "web").glob("*.*"):
        if f.suffix in (".js", ".mjs", ".html", ".css"):
            assert version not in f.read_text(), f"{f.name} names the Pyodide version"



def test_startup_snapshot_is_made_and_carries_nothing_of_this_machine(tmp_path, monkeypatch):
    """Intent: serve.py ships a start-up snapshot (issue 4) that holds no path or variable of the machine that made it."""
    import gzip
    manifest = vendor.vendor(log=lambda *a: None)
    assert manifest["snapshot"] == "vendor/pyodide/snapshot.bin.gz"
    shipped = gzip.decompress((Path(vendor.WEB) / manifest["snapshot"]).read_bytes())
    assert len(shipped) > 1 << 20  # an interpreter's memory, not a stub
    assert vendor.ROOT.encode() not in shipped
    # Made again from a folder and an environment with marked names: neither mark may reach the file.
    pyo = tmp_path / "folder-mark-7c1f" / "pyodide"
    shutil.copytree(Path(vendor.WEB) / "vendor" / "pyodide", pyo,
                    ignore=shutil.ignore_patterns("snapshot.*", "*.whl"))
    monkeypatch.setenv("TOKENSCOPE_ENV_MARK", "env-mark-5e2d")
    assert vendor.build_snapshot(str(pyo), log=lambda *a: None) == "snapshot.bin.gz"
    raw = gzip.decompress((pyo / "snapshot.bin.gz").read_bytes())
    assert len(raw) > 1 << 20
    for mark in (b"folder-mark-7c1f", b"env-mark-5e2d", str(tmp_path).encode()):
        assert mark not in raw, mark


def test_no_node_means_no_snapshot_and_one_line(tmp_path, monkeypatch):
    """Intent: without Node the page still gets everything but the snapshot, and the set-up says why in one line."""
    vendor.vendor(log=lambda *a: None)
    pyo = tmp_path / "pyodide"
    shutil.copytree(Path(vendor.WEB) / "vendor" / "pyodide", pyo, ignore=shutil.ignore_patterns("snapshot.*", "*.whl"))
    real_which = shutil.which
    monkeypatch.setattr(vendor.shutil, "which", lambda name: None if name in ("node", "nodejs") else real_which(name))
    said = []
    assert vendor.build_snapshot(str(pyo), log=said.append) is None
    assert len(said) == 1 and "node" in said[0]
    assert not (pyo / "snapshot.bin.gz").exists()


# ---- issue 10: what the server refuses -------------------------------------------------------------------------

@pytest.fixture
def served_dir(tmp_path):
    """A served folder with a subfolder, a symlink out of it, and a secret beside it."""
    web = tmp_path / "web"
    (web / "sub").mkdir(parents=True)
    (web / "index.html").write_text("<p>hi</p>")
    (web / "sub" / "a.txt").write_text("a")
    (tmp_path / "secret.txt").write_text("SECRET")
    (web / "link.txt").symlink_to(tmp_path / "secret.txt")
    (web / "linkdir").symlink_to(tmp_path)
    srv = serve.make_server("127.0.0.1", 0, directory=str(web))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", srv
    srv.shutdown()
    srv.server_close()


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


@pytest.mark.parametrize("path, code", [
    ("/", 200),                      # the folder's index.html
    ("/sub/a.txt", 200),
    ("/sub/", 404),                  # a folder without index.html: no listing
    ("/link.txt", 404),              # a symlink to a file outside the served folder
    ("/linkdir/secret.txt", 404),    # through a symlinked folder
    ("/linkdir/", 404),
    ("/../secret.txt", 404),         # dot segments are removed before the path is resolved
    ("/%2e%2e/secret.txt", 404),
    ("/%00", 404),                   # issue 21: realpath raised on the NUL: a traceback and a dropped connection
    ("/sub/a%00.txt", 404),
], ids=["index", "file", "no-listing", "symlink-out", "symlinked-folder", "symlinked-folder-listing", "dotdot",
        "encoded-dotdot", "nul", "nul-in-name"])
def test_serves_nothing_outside_its_folder_and_lists_nothing(served_dir, path, code):
    """Intent: only the files of web/ are served: no directory listings, nothing a symlink points outside to."""
    base, _srv = served_dir
    got, body = status(base + path)
    assert got == code and b"SECRET" not in body


def test_a_half_sent_request_times_out(served_dir):
    """Intent: a client that opens a connection and sends half a request line is dropped, not waited on forever."""
    import socket
    import time
    base, _srv = served_dir
    host, port = base[len("http://"):].split(":")
    s = socket.create_connection((host, int(port)), timeout=30)
    s.sendall(b"GET /index.ht")
    start = time.monotonic()
    data = s.recv(1024)  # the server closes the connection (b"") or answers 408, within its timeout
    assert time.monotonic() - start < 25
    assert data == b"" or data.startswith(b"HTTP/1.0 408") or data.startswith(b"HTTP/1.1 408")
    s.close()
