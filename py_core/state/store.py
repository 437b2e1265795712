"""The CLI's store of per-file states: one SQLite file (standard library, WAL), CLI side like paths.py (issue 14).

One row per file the CLI has read, keyed by its absolute path: the label it was read under, what `os.stat` said
(device, inode, size, mtime) when it was read, the span of its requests, and its FileState (filestate.py) as
compressed JSON. Agent meta files (`agent-*.meta.json`) are rows too, holding their bytes, so a deleted subagent
keeps its type in history.

Several processes may use one store at once (`--jobs` writes from the parent only; two terminals; the status
line): every write is one transaction, so a reader sees a whole row or none, and a row only ever describes a
state its file really had. A store made by another version of tokenscope is rebuilt with a one-line notice; a row
that does not load is dropped and its file read again — never a wrong number.

The store never loses data (issue 20): one held by another process longer than BUSY_SECONDS is not used for this
run (`StoreBusy`; the run reads the files) and never deleted; one that is damaged, foreign or of an unexpected shape
is moved aside as `store.sqlite3.broken-<UTC time>` with one line and a new one made. It is created 0600 in a 0700
folder: it holds project paths.
"""

import os
import sqlite3
import time
from collections import namedtuple

from ..core.analyzer import Analyzer

SCHEMA = 2  # 2: ctime_ns and mark (issue 20: a rewrite with its mtime put back; the bytes before the offset)
# (the `parts` table was added without a new schema: a store of schema 2 gains it and keeps its history)
FILE_NAME = "store.sqlite3"
# What a row's state depends on: the table's shape and the analyzer's rules (Analyzer.STATE_VERSION).
VERSION = f"{SCHEMA}.{Analyzer.STATE_VERSION}"
BUSY_SECONDS = 10.0  # wait this long for another process's write, then go on without the store
KEEP_REPORTS = 8     # reports kept (one per set of options and inputs), and sets of session parts, the latest

Row = namedtuple("Row", "path label kind dev ino size mtime_ns ctime_ns oldest newest mark blob")
_COLUMNS = "path, label, kind, dev, ino, size, mtime_ns, ctime_ns, oldest, newest, mark, blob"
_TYPES = {"path": "TEXT", "label": "TEXT", "kind": "TEXT", "dev": "INTEGER", "ino": "INTEGER", "size": "INTEGER",
          "mtime_ns": "INTEGER", "ctime_ns": "INTEGER", "oldest": "REAL", "newest": "REAL", "mark": "TEXT",
          "blob": "BLOB", "stored": "REAL"}


from .paths import cache_dir as default_dir  # noqa: E402,F401 - one rule (paths.py), importable without sqlite3




class StoreError(Exception):
    """The store cannot be used at all (a folder that cannot be created, a file that cannot be replaced)."""


class StoreBusy(StoreError):
    """Another process held the store longer than BUSY_SECONDS: this run goes on without it (nothing is deleted)."""


def _busy(exc):
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def _why(exc):
    """A store error in words a user can act on (issue 21: not "cannot rollback - no transaction is active")."""
    text = str(exc)
    if "disk is full" in text or "database or disk is full" in text:
        return "the disk is full"
    if "readonly" in text or "read-only" in text:
        return "its folder is read-only"
    return text


def _aside(path):
    """Move a damaged or foreign store (and its -wal/-shm) aside: `<path>.broken-<UTC time>`; returns the name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    dest = f"{path}.broken-{stamp}"
    n = 1
    while os.path.lexists(dest):
        n += 1
        dest = f"{path}.broken-{stamp}-{n}"
    for suffix in ("", "-wal", "-shm"):
        try:
            os.replace(path + suffix, dest + suffix)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StoreError(f"cannot move the damaged store {path} aside: {_why(exc)}") from None
    return dest


class Store:
    def __init__(self, conn, path, notice=None):
        self.conn = conn
        self.path = path
        self.notice = notice      # one line for stderr when the store was rebuilt, else None

    # -- opening ----------------------------------------------------------------------------------------
    @classmethod
    def open(cls, folder, busy=None):
        """The store in `folder` (created if absent). Raises StoreBusy when another process holds it longer than
        `busy` seconds, StoreError when it cannot be had; a damaged or foreign one is moved aside and remade."""
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {folder}: {exc.strerror or exc}") from None
        path = os.path.join(folder, FILE_NAME)
        busy = BUSY_SECONDS if busy is None else busy
        try:
            return cls._open(path, busy)
        except sqlite3.DatabaseError as exc:
            if _busy(exc):
                raise StoreBusy(f"{path} is busy (another tokenscope is writing it)") from None
            if isinstance(exc, sqlite3.OperationalError) and ("readonly" in str(exc) or "unable to open" in str(exc)
                                                              or "disk is full" in str(exc)):
                raise StoreError(f"cannot use {path}: {_why(exc)}") from None
            why = f"unreadable ({exc})"
        return cls._remade(path, busy, why)

    @classmethod
    def _remade(cls, path, busy, why):
        dest = _aside(path)
        try:
            store = cls._open(path, busy)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot use {path}: {_why(exc)}") from None
        store.notice = f"the store {path} was {why}; rebuilt (the old one moved aside as {os.path.basename(dest)})"
        return store

    @classmethod
    def _open(cls, path, busy=BUSY_SECONDS):
        if not os.path.exists(path):
            # 0600 from the start (SQLite gives its -wal and -shm files the same mode): it names project paths.
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            except OSError as exc:
                raise StoreError(f"cannot create {path}: {_why(exc)}") from None
        conn = sqlite3.connect(path, timeout=busy, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                got = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
                notice = None
                if got is None or got[0] != VERSION:
                    if got is not None:
                        notice = (f"the store {path} was made by another version of tokenscope ({str(got[0])[:40]}, "
                                  f"now {VERSION}); rebuilt: deleted files it held are no longer in the history")
                    conn.execute("DROP TABLE IF EXISTS files")
                    conn.execute("DROP TABLE IF EXISTS reports")
                    conn.execute("DROP TABLE IF EXISTS parts")
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (VERSION,))
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, label TEXT NOT NULL, kind TEXT NOT NULL, "
                    "dev INTEGER, ino INTEGER, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, oldest REAL, "
                    "newest REAL, mark TEXT, blob BLOB NOT NULL, stored REAL)")
                # Reports kept for the runs' options and inputs (answers.py): returned when nothing changed.
                conn.execute("CREATE TABLE IF NOT EXISTS reports (key TEXT PRIMARY KEY, report BLOB NOT NULL, "
                             "clock TEXT NOT NULL, stored REAL)")
                # Each session's part of the report (parts.py; issue 20 item 2), per set of options and prices.
                conn.execute("CREATE TABLE IF NOT EXISTS parts (key TEXT NOT NULL, session TEXT NOT NULL, "
                             "sig TEXT NOT NULL, blob BLOB NOT NULL, stored REAL, PRIMARY KEY (key, session))")
                # The table's shape as expected (a hostile or foreign store fails here, not mid-run) ...
                shape = {r[1]: (r[2] or "").upper() for r in conn.execute("PRAGMA table_info(files)")}
                if shape != _TYPES:
                    raise sqlite3.DatabaseError("its table has an unexpected shape")
                # ... and a file that is not a store at all (or a damaged one) fails here rather than mid-run.
                conn.execute("SELECT count(*) FROM files").fetchone()
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, notice)

    def close(self):
        self.conn.close()

    # -- reading ----------------------------------------------------------------------------------------
    def rows(self, paths=None):
        """Every row (or those of `paths`), path -> Row (one SELECT: one consistent snapshot, whatever other
        processes write)."""
        try:
            if paths is None:
                cur = self.conn.execute(f"SELECT {_COLUMNS} FROM files")
            else:
                paths = list(paths)
                cur = self.conn.execute(f"SELECT {_COLUMNS} FROM files WHERE path IN ({','.join('?' * len(paths))})",
                                        paths) if paths else []
            return {r[0]: _row(r) for r in cur}
        except sqlite3.DatabaseError as exc:
            if _busy(exc):
                raise StoreBusy(f"{self.path} is busy (another tokenscope is writing it)") from None
            # A damaged page in mid-file (issue 20): this run reads the files; the store is moved aside and remade.
            self._replace(f"damaged ({exc})")
            return {}

    def _replace(self, why):
        self.conn.close()
        fresh = Store._remade(self.path, BUSY_SECONDS, why)
        self.conn = fresh.conn
        self.notice = fresh.notice

    def stored_paths(self):
        """{path: when its row was stored}: what a kept report's history part depends on."""
        try:
            return dict(self.conn.execute("SELECT path, stored FROM files"))
        except sqlite3.DatabaseError:
            return None

    def report(self, key):
        """(compressed report JSON, clock JSON) kept under `key`, or None."""
        try:
            got = self.conn.execute("SELECT report, clock FROM reports WHERE key = ?", (key,)).fetchone()
        except sqlite3.DatabaseError:
            return None
        if got is None or type(got[0]) is not bytes or type(got[1]) is not str:
            return None
        return got

    def _transaction(self, work):
        """Run `work(conn)` in one write transaction. Raises StoreError in words (a full disk, a read-only folder, a
        busy store): the caller's report stands, the store just did not learn."""
        c = self.conn
        try:
            c.execute("BEGIN IMMEDIATE")
            try:
                work(c)
                c.execute("COMMIT")
            except BaseException:
                if c.in_transaction:  # SQLite may have rolled back itself (a full disk)
                    c.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as exc:
            raise StoreError(_why(exc)) from None

    def keep_report(self, key, blob, clock, keep=KEEP_REPORTS):
        """Keep a report under `key`, and only the `keep` latest."""
        def work(c):
            c.execute("INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?)", (key, blob, clock, time.time()))
            c.execute("DELETE FROM reports WHERE key NOT IN (SELECT key FROM reports ORDER BY stored DESC LIMIT ?)",
                      (keep,))
        self._transaction(work)

    def part_signatures(self, key):
        """{session: signature} of the parts kept under `key` (rows of other types are left out)."""
        try:
            cur = self.conn.execute("SELECT session, sig FROM parts WHERE key = ?", (key,))
            return {s: g for s, g in cur if type(s) is str and type(g) is str}
        except sqlite3.DatabaseError:
            return {}

    def part(self, key, session, sig):
        """The compressed JSON of the part kept under `key` for `session` at signature `sig`, or None."""
        try:
            row = self.conn.execute("SELECT blob FROM parts WHERE key = ? AND session = ? AND sig = ?",
                                    (key, session, sig)).fetchone()
        except sqlite3.DatabaseError:
            return None
        return row[0] if row is not None and type(row[0]) is bytes else None

    def keep_parts(self, key, rows, drop, keep=KEEP_REPORTS):
        """Store parts [(session, signature, blob)] under `key`, forget its sessions in `drop`, and keep the parts
        of the `keep` latest keys only; one transaction."""
        now = time.time()

        def work(c):
            c.executemany("DELETE FROM parts WHERE key = ? AND session = ?", [(key, s) for s in drop])
            c.executemany("INSERT OR REPLACE INTO parts VALUES (?, ?, ?, ?, ?)",
                          [(key, sid, sig, blob, now) for sid, sig, blob in rows])
            c.execute("UPDATE parts SET stored = ? WHERE key = ?", (now, key))
            c.execute("DELETE FROM parts WHERE key NOT IN (SELECT key FROM parts GROUP BY key "
                      "ORDER BY max(stored) DESC LIMIT ?)", (keep,))
        self._transaction(work)

    # -- writing: each call one transaction -------------------------------------------------------------------
    def write(self, rows, delete=()):
        """Store `rows` and forget the paths in `delete`, in one transaction. Raises StoreError in words (a full
        disk, a read-only folder, a busy store): the caller's report stands, the store just did not learn."""
        if not rows and not delete:
            return
        now = time.time()

        def work(c):
            c.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in delete])
            c.executemany(f"INSERT OR REPLACE INTO files ({_COLUMNS}, stored) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                          [tuple(r) + (now,) for r in rows])
        self._transaction(work)

    def clear(self, before=None):
        """Forget every row, or those whose newest request is before epoch second `before`; returns how many."""
        try:
            return self._clear(before)
        except sqlite3.DatabaseError as exc:
            if _busy(exc):
                raise StoreBusy(f"{self.path} is busy (another tokenscope is writing it)") from None
            self._replace(f"damaged ({exc})")  # `cache clear` works on any store (issue 20)
            return 0

    def _clear(self, before):
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            c.execute("DELETE FROM reports")
            c.execute("DELETE FROM parts")
            if before is None:
                n = c.execute("DELETE FROM files").rowcount
            else:
                n = c.execute("DELETE FROM files WHERE kind = 'log' AND coalesce(newest, 0) < ?", (before,)).rowcount
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("VACUUM")
        return n


    def info(self):
        """{path, bytes (on disk, with the write-ahead log), files, logs, gone (files no longer on disk), oldest,
        newest (epoch seconds of the earliest and latest request held)}."""
        try:
            return self._info()
        except sqlite3.DatabaseError as exc:
            if _busy(exc):
                raise StoreBusy(f"{self.path} is busy (another tokenscope is writing it)") from None
            self._replace(f"damaged ({exc})")
            return self._info()

    def _info(self):
        c = self.conn
        logs, oldest, newest = c.execute(
            "SELECT count(*), min(oldest), max(newest) FROM files WHERE kind = 'log'").fetchone()
        files = c.execute("SELECT count(*) FROM files").fetchone()[0]
        gone = sum(1 for (p,) in c.execute("SELECT path FROM files") if not os.path.lexists(p))
        size = 0
        for suffix in ("", "-wal"):
            try:
                size += os.path.getsize(self.path + suffix)
            except OSError:
                pass
        return {"path": self.path, "bytes": size, "files": files, "logs": logs, "gone": gone,
                "oldest": oldest, "newest": newest}


def _row(r):
    """A row as read, its types checked (a hostile store is never trusted: a wrong type is a damaged store)."""
    row = Row(*r)
    if not (type(row.path) is str and type(row.label) is str and type(row.blob) is bytes
            and all(type(v) is int for v in (row.dev, row.ino, row.size, row.mtime_ns, row.ctime_ns))):
        raise sqlite3.DatabaseError(f"a row of unexpected types ({str(row.path)[:80]})")
    return row
