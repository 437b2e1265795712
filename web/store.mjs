// The page's store of per-file states (issue 14): IndexedDB, for this site only, in this browser only.
//
// One record per file, keyed by its name relative to what was dropped: {size, lastModified, state}, where `state`
// is py_core's per-file state as JSON text (py_core/state/filestate.py: token counts, timestamps, ids, project paths; no
// prompt or response text). A file whose size and modification time are those stored is not read again: its state
// is merged instead. Nothing here is ever sent anywhere. A store the browser refuses (private windows, quota) or
// evicts costs time, never correctness: py_core refuses a state of another version and the file is read.
// One more record, under a key no file name can be ("\u0000parts"): {parts}, each session's part of the last report
// (issue 20 item 5; worker.mjs), which py_core checks before it uses any.

const DB = "tokenscope";
const STORE = "files";
const HANDLES = "handles"; // the watched folder's handle (issue 15), so a reload only asks for permission again
const VERSION = 2;

let opening = null;

function asPromise(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

// The database, or null when this browser will not give one.
export function openStore() {
  if (!opening) {
    opening = new Promise((resolve) => {
      let req;
      try {
        req = indexedDB.open(DB, VERSION);
      } catch {
        resolve(null);
        return;
      }
      req.onupgradeneeded = () => {
        for (const name of [STORE, HANDLES]) {
          if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name);
        }
      };
      req.onsuccess = () => {
        const db = req.result;
        // "Forget what this page stored" deletes the database: let it, and open afresh next time.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      req.onerror = () => resolve(null);
      req.onblocked = () => resolve(null);
    });
  }
  return opening;
}

// The records of `keys` (undefined where none), in one transaction.
export async function getMany(db, keys) {
  if (!db || !keys.length) return keys.map(() => undefined);
  try {
    const store = db.transaction(STORE, "readonly").objectStore(STORE);
    return await Promise.all(keys.map((k) => asPromise(store.get(k)).catch(() => undefined)));
  } catch {
    return keys.map(() => undefined);
  }
}

// Store [key, record] pairs in one transaction; a failure (quota) only means they are read again next time.
export async function putMany(db, entries) {
  if (!db || !entries.length) return false;
  try {
    const tx = db.transaction(STORE, "readwrite");
    const store = tx.objectStore(STORE);
    for (const [k, v] of entries) store.put(v, k);
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    return true;
  } catch {
    return false;
  }
}

// Forget everything this page stored.
export function forget() {
  opening = null;
  return new Promise((resolve) => {
    let req;
    try {
      req = indexedDB.deleteDatabase(DB);
    } catch {
      resolve(false);
      return;
    }
    req.onsuccess = () => resolve(true);
    req.onerror = () => resolve(false);
    req.onblocked = () => {}; // open connections close on versionchange; success follows
  });
}

// {files, bytes} the store holds (for the page's note).
export async function summary() {
  const db = await openStore();
  if (!db) return { files: 0, bytes: 0 };
  try {
    const store = db.transaction(STORE, "readonly").objectStore(STORE);
    const values = await asPromise(store.getAll());
    // Files are the records with a state; the one record of session parts (worker.mjs, issue 20) counts as bytes.
    const files = values.filter((v) => v && typeof v.state === "string");
    const bytes = values.reduce((a, v) => a + ((v && (v.state || v.parts) || "").length || 0), 0);
    return { files: files.length, bytes };
  } catch {
    return { files: 0, bytes: 0 };
  }
}

// The watched folder's handle (File System Access API), kept for the next visit; null when none or unsupported.
export async function saveHandle(handle) {
  const db = await openStore();
  if (!db) return false;
  try {
    const tx = db.transaction(HANDLES, "readwrite");
    tx.objectStore(HANDLES).put(handle, "watched");
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    return true;
  } catch {
    return false;
  }
}

export async function loadHandle() {
  const db = await openStore();
  if (!db) return null;
  try {
    return (await asPromise(db.transaction(HANDLES, "readonly").objectStore(HANDLES).get("watched"))) || null;
  } catch {
    return null;
  }
}
