// The reader: a worker the Pyodide worker starts to read files for it. Copying bytes out of Blob storage
// happens on the thread that asks for them; here that is this thread, so reading overlaps with parsing
// (issue 4), and buffers are transferred, not copied, to the parser.
//
// Parser -> reader: {type: "read", rid, files: [File], last, ahead} (more files of the run: the same again)
//                   {type: "ack", rid, bytes} · {type: "cancel", rid}
// Reader -> parser: {rid, index, buf?, end, skip?, error?, at, size} in file order; `skip` names why a file is not a
//                   log or could not be read (`error`: the DOMException's name; `at`: the bytes sent before it).

const SLICE = 4 << 20; // bytes per read
const runs = new Map(); // rid -> {files, last, ahead, unacked, wake, cancelled}

// Magic numbers of files people drop by mistake next to their logs.
const MAGIC = [
  ["PNG image", [0x89, 0x50, 0x4e, 0x47]],
  ["PDF document", [0x25, 0x50, 0x44, 0x46]],
  ["JPEG image", [0xff, 0xd8, 0xff]],
  ["GIF image", [0x47, 0x49, 0x46, 0x38]],
  ["ZIP archive", [0x50, 0x4b, 0x03, 0x04]],
  ["gzip archive", [0x1f, 0x8b]],
];

// A tokenscope state file (issue 16; py_core/state/statefile.py) is compressed, so it holds zero bytes: never "binary".
const STATE_MAGIC = [...new TextEncoder().encode("TOKENSCOPE-STATE 1\n")];

function sniff(head) {
  if (STATE_MAGIC.every((b, i) => head[i] === b)) return null;
  for (const [kind, sig] of MAGIC) {
    if (sig.every((b, i) => head[i] === b)) return `not a Claude Code log (${kind})`;
  }
  // No rule for NUL bytes (issue 30): a crash can leave a run of them in an appended log, whose other lines the CLI
  // reads; a file of binary data is read as the CLI reads it too (its lines named as malformed in the warnings).
  return null;
}

function wait(run) {
  return new Promise((resolve) => { run.wake = resolve; });
}

async function send(run, rid, index, buf, end) {
  while (run.unacked > run.ahead && !run.cancelled) await wait(run);
  if (run.cancelled) return;
  run.unacked += buf.byteLength;
  self.postMessage({ rid, index, buf, end }, [buf]); // transferred, not copied
}

// Reads are started a few slices ahead of the one being sent: a small file costs a round trip to the browser
// process, and 750 of them one after another left the parser waiting (issue 4).
const IN_FLIGHT = 4;

async function readAll(rid, run) {
  const started = []; // slices being read, in file order: {index, at, end, size, read}
  let nextIndex = 0;
  let nextAt = 0;
  // Slices, not one read of a whole file: the parser starts on the first 4 MB rather than waiting for a
  // 16 MB file to be copied, and a file of one slice (most logs) is a single call to Python.
  const startMore = () => {
    while (started.length < IN_FLIGHT && nextIndex < run.files.length) {
      const file = run.files[nextIndex];
      const end = Math.min(nextAt + SLICE, file.size);
      const read = file.size === 0 ? null
        : file.slice(nextAt, end).arrayBuffer().catch((err) => err);
      started.push({ index: nextIndex, at: nextAt, end, size: file.size, read });
      if (end >= file.size) {
        nextIndex++;
        nextAt = 0;
      } else {
        nextAt = end;
      }
    }
  };
  let dropped = -1; // a file already named as skipped: its remaining slices are not sent
  while (!run.cancelled) {
    startMore();
    if (!started.length) {
      if (run.last) break;
      await wait(run);
      continue;
    }
    const slice = started.shift();
    if (slice.index === dropped) continue;
    if (slice.read === null) { // a 0-byte file: counted, and named as empty in the report
      self.postMessage({ rid, index: slice.index, end: true });
      continue;
    }
    const got = await slice.read;
    if (run.cancelled) break;
    // A file that changed or vanished since it was picked is named in the report, and the rest goes on. `at`: how
    // many of its bytes were sent before (issue 30: a failure after the first slice leaves a file read in part).
    const error = got instanceof ArrayBuffer ? null : (got && got.name) || "error";
    const why = error ? `could not be read (${error})`
      : slice.at === 0 ? sniff(new Uint8Array(got, 0, Math.min(512, got.byteLength))) : null;
    if (why) {
      self.postMessage({ rid, index: slice.index, end: true, skip: why, error, at: slice.at, size: slice.size });
      dropped = slice.index;
      continue;
    }
    await send(run, rid, slice.index, got, slice.end === slice.size);
  }
  runs.delete(rid);
}

self.onmessage = (event) => {
  const msg = event.data;
  let run = runs.get(msg.rid);
  if (msg.type === "read") {
    if (!run) {
      run = { files: [], last: false, ahead: msg.ahead, unacked: 0, wake: null, cancelled: false };
      runs.set(msg.rid, run);
      readAll(msg.rid, run);
    }
    run.files.push(...msg.files);
    run.last = Boolean(msg.last);
  } else if (msg.type === "ack" && run) {
    run.unacked -= msg.bytes;
  } else if (msg.type === "cancel" && run) {
    run.cancelled = true;
  }
  if (run && run.wake) {
    const w = run.wake;
    run.wake = null;
    w();
  }
};
