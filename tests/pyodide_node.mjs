// Runs py_core inside real Pyodide under Node: node tests/pyodide_node.mjs <vendor dir> <log file> [snapshot|cold]
// [msgspec]
// Prints the report JSON that py_core.shells.api.handle returns (time zone UTC), for comparison with CPython.
// With "snapshot", Python starts from serve.py's start-up snapshot, as the page does.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [vendorDir, logFile] = process.argv.slice(2, 4).map((p) => resolve(p));
const fromSnapshot = process.argv[4] === "snapshot";
const withMsgspec = process.argv[5] === "msgspec"; // the page's optional decoder (issue 13), from the vendored wheel
const manifest = JSON.parse(readFileSync(join(vendorDir, "manifest.json"), "utf8"));
const indexURL = join(vendorDir, "pyodide") + "/";
const { loadPyodide } = await import(pathToFileURL(indexURL + "pyodide.mjs").href);
// packageBaseUrl: without it a missing package would be fetched from the CDN (pyodide.md).
const py = await loadPyodide({
  indexURL, packageBaseUrl: indexURL, stdout: () => {}, stderr: () => {},
  ...(fromSnapshot ? { _loadSnapshot: gunzipSync(readFileSync(join(vendorDir, "..", manifest.snapshot))) } : {}),
});
const wheel = readFileSync(join(vendorDir, manifest.core_wheel.replace(/^vendor\//, "")));
py.unpackArchive(new Uint8Array(wheel), "wheel");
if (withMsgspec) await py.loadPackage("msgspec", { messageCallback: () => {}, errorCallback: () => {} });
const handle = py.pyimport("py_core.shells.api").handle;
const call = (req, bytes) => JSON.parse(bytes ? handle(JSON.stringify(req), bytes) : handle(JSON.stringify(req)));
call({ op: "begin", job: "node" });
call({ op: "open", job: "node", source: "log.jsonl" });
const data = readFileSync(logFile);
for (let i = 0; i < data.length; i += 65536) {
  call({ op: "feed", job: "node", source: "log.jsonl" }, new Uint8Array(data.buffer, data.byteOffset + i,
    Math.min(65536, data.length - i)));
}
call({ op: "close", job: "node", source: "log.jsonl" });
const out = call({ op: "report", job: "node", tz: "UTC" });
process.stdout.write(JSON.stringify({ version: py.version, report: out.report, charts: out.charts }));
