// The reader: a worker the Pyodide worker starts to read files for it. Copying bytes out of Blob storage
// happens on the thread that asks for them; here that is this thread, so reading overlaps with parsing
// (issue 4), and buffers are transferred, not copied, to the parser.
//
// Parser -> reader: {type: "read", rid, files: [File], last, ahead} (more files: the same with `more: true`)
//                   {type: "ack", rid, bytes} · {type: "cancel", rid}
// Reader -> parser: {rid, index, buf?, end, skip?} in file order; `skip` names why a file is not a log.

const WHOLE_FILE = 16 << 20; // files up to this size are read in one go; larger ones stream
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
    if (file.size <= WHOLE_FILE) {
      const u8 = new Uint8Array(await file.arrayBuffer());
      const why = sniff(u8.subarray(0, 512));
      if (why) self.postMessage({ rid, index, end: true, skip: why });
      else await send(run, rid, index, u8, true);
      continue;
    }
    const reader = file.stream().getReader();
    let first = true;
    let skipped = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done || run.cancelled) break;
      if (first) {
        first = false;
        const why = sniff(value.subarray(0, 512));
        if (why) {
          self.postMessage({ rid, index, end: true, skip: why });
          skipped = true;
          break;
        }
      }
      await send(run, rid, index, value, false);
    }
    reader.cancel().catch(() => {});
    if (!skipped) self.postMessage({ rid, index, end: true });
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
