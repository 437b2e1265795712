"""The CLI's store of per-file states: one SQLite file (standard library, WAL), CLI side like paths.py (issue 14).

One row per file the CLI has read, keyed by its absolute path: the label it was read under, what `os.stat` said
(device, inode, size, mtime) when it was read, the span of its requests, and its FileState (filestate.py) as
compressed JSON. Agent meta files (`agent-*.meta.json`) are rows too, holding their bytes, so a deleted subagent
keeps its type in history.

Several processes may use one store at once (`--jobs` writes from the parent only; two terminals; the status
line): every write is one transaction, so a reader sees a whole row or none, and a row only ever describes a
state its file really had. A store made by another version of tokenscope, or one SQLite cannot read, is rebuilt
with a one-line notice; a row that does not load is dropped and its file read again — never a wrong number.
"""

import os
import sqlite3
import time
from collections import namedtuple

from .analyzer import Analyzer

SCHEMA = 1
FILE_NAME = "store.sqlite3"
# What a row's state depends on: the table's shape and the analyzer's rules (Analyzer.STATE_VERSION).
VERSION = f"{SCHEMA}.{Analyzer.STATE_VERSION}"

Row = namedtuple("Row", "path label kind dev ino size mtime_ns oldest newest blob")
_COLUMNS = "path, label, kind, dev, ino, size, mtime_ns, oldest, newest, blob"


def default_dir(env=None, home=None):
    """`$XDG_CACHE_HOME/tokenscope`, else `~/.cache/tokenscope`."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME", "").strip() or os.path.join(home or os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tokenscope")


class StoreError(Exception):
    """The store cannot be used at all (a folder that cannot be created, a file that cannot be replaced)."""


class Store:
    def __init__(self, conn, path, notice=None):
        self.conn = conn
        self.path = path
        self.notice = notice      # one line for stderr when the store was rebuilt, else None

    # -- opening ----------------------------------------------------------------------------------------
    @classmethod
    def open(cls, folder):
        """The store in `folder` (created if absent). Raises StoreError when it cannot be had."""
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {folder}: {exc.strerror or exc}") from None
        path = os.path.join(folder, FILE_NAME)
        try:
            return cls._open(path)
        except sqlite3.DatabaseError as exc:
            why = f"unreadable ({exc})"
        notice = f"the store {path} was {why}; rebuilt"
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(path + suffix)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise StoreError(f"cannot replace {path}: {exc.strerror or exc}") from None
        try:
            store = cls._open(path)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot use {path}: {exc}") from None
        store.notice = notice
        return store

    @classmethod
    def _open(cls, path):
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
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
                        notice = (f"the store {path} was made by another version of tokenscope ({got[0]}, now "
                                  f"{VERSION}); rebuilt: deleted files it held are no longer in the history")
                    conn.execute("DROP TABLE IF EXISTS files")
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (VERSION,))
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, label TEXT NOT NULL, kind TEXT NOT NULL, "
                    "dev INTEGER, ino INTEGER, size INTEGER, mtime_ns INTEGER, oldest REAL, newest REAL, "
                    "blob BLOB NOT NULL, stored REAL)")
                # A file that is not a store at all (or a damaged one) fails here rather than mid-run.
                conn.execute("SELECT count(*) FROM files").fetchone()
                conn.execute("COMMIT")
            except BaseException:
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
        if paths is None:
            cur = self.conn.execute(f"SELECT {_COLUMNS} FROM files")
        else:
            paths = list(paths)
            cur = self.conn.execute(f"SELECT {_COLUMNS} FROM files WHERE path IN ({','.join('?' * len(paths))})",
                                    paths) if paths else []
        return {r[0]: Row(*r) for r in cur}

    # -- writing: each call one transaction -------------------------------------------------------------------
    def write(self, rows, delete=()):
        if not rows and not delete:
            return
        now = time.time()
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            c.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in delete])
            c.executemany(f"INSERT OR REPLACE INTO files ({_COLUMNS}, stored) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                          [tuple(r) + (now,) for r in rows])
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def clear(self, before=None):
        """Forget every row, or those whose newest request is before epoch second `before`; returns how many."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
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
