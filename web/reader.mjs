// The reader: a worker the Pyodide worker starts to read files for it. Copying bytes out of Blob storage
// happens on the thread that asks for them; here that is this thread, so reading overlaps with parsing
// (issue 4), and buffers are transferred, not copied, to the parser.
//
// Parser -> reader: {type: "read", rid, files: [File], last, ahead} (more files: the same with `more: true`)
//                   {type: "ack", rid, bytes} · {type: "cancel", rid}
// Reader -> parser: {rid, index, buf?, end, skip?} in file order; `skip` names why a file is not a log.

const SLICE = 4 << 20; // bytes per read
const runs = new Map(); // rid -> {files, last, ahead, unacked, wake, cancelled, started}

// Magic numbers of files people drop by mistake next to their logs.
const MAGIC = [
  ["PNG image", [0x89, 0x50, 0x4e, 0x47]],
  ["PDF document", [0x25, 0x50, 0x44, 0x46]],
  ["JPEG image", [0xff, 0xd8, 0xff]],
  ["GIF image", [0x47, 0x49, 0x46, 0x38]],
  ["ZIP archive", [0x50, 0x4b, 0x03, 0x04]],
  ["gzip archive", [0x1f, 0x8b]],
];

function sniff(head) {
  for (const [kind, sig] of MAGIC) {
    if (sig.every((b, i) => head[i] === b)) return `not a Claude Code log (${kind})`;
  }
  if (head.includes(0)) return "not a Claude Code log (binary data)";
  return null;
}

function wait(run) {
  return new Promise((resolve) => { run.wake = resolve; });
}

async function send(run, rid, index, u8, end) {
  while (run.unacked > run.ahead && !run.cancelled) await wait(run);
  if (run.cancelled) return;
  // Transfer the whole buffer; copy first only if the chunk is a view into a larger one.
  const buf = u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength ? u8.buffer : u8.slice().buffer;
  run.unacked += buf.byteLength;
  self.postMessage({ rid, index, buf, end }, [buf]);
}

async function readAll(rid, run) {
  for (let index = 0; ; index++) {
    while (index >= run.files.length && !run.last && !run.cancelled) await wait(run);
    if (run.cancelled || index >= run.files.length) break;
    const file = run.files[index];
    if (file.size === 0) {
      self.postMessage({ rid, index, end: true });
      continue;
    }
    // Slices, not one read of a whole file: the parser starts on the first 4 MB rather than waiting for a
    // 16 MB file to be copied (issue 4), and a file of one slice (most logs) is a single call to Python.
    try {
      for (let at = 0; at < file.size && !run.cancelled; at += SLICE) {
        const end = Math.min(at + SLICE, file.size);
        const u8 = new Uint8Array(await file.slice(at, end).arrayBuffer());
        const why = at === 0 ? sniff(u8.subarray(0, 512)) : null;
        if (why) {
          self.postMessage({ rid, index, end: true, skip: why });
          break;
        }
        await send(run, rid, index, u8, end === file.size);
      }
    } catch (err) {
      // A file that changed or vanished since it was picked: named in the report, and the rest goes on.
      self.postMessage({ rid, index, end: true, skip: `could not be read (${err.name || "error"})` });
    }
    if (run.cancelled) break;
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
