"""May I reuse this? One answer (issue 31 item 1), for every memory tokenscope keeps.

Two notions decide it, and only these two:

- **a file version**: what says a file's content is the one a state was read from. The CLI's is the file's stat key
  (device, inode, size, modification and change times) and the fingerprint of the bytes before the offset its state
  ends at (`file_version`); the page's is its size, modification time and a fingerprint of its last bytes (the browser
  has no inode or change time: web/worker.mjs `tokenOf`, issue 30). A stored file state is used only for the same
  version (or resumed, for a file that only grew from the same first bytes: `may_resume`); a session's part only where
  every file it was built from is at the version it was built from (report/parts.signature).
- **an answer key**: everything an answer depends on besides its files — this code (tokenscope's version and its
  analysis rules), the price table actually used (the built-in table's bytes and every override's), and the options.
  Kept reports and session parts (the CLI's store, the page's memory and IndexedDB), the status line's running
  summaries and state files' states are kept under it; another key is another answer, never a stale one (issue 31:
  the page's parts key left out the version and the built-in table, and an upgrade that changed a price showed the
  old figure after a reload).

Everything stored is also checked when it is used (types, ranges, sums): a record that does not check is rebuilt.
Light: the status line imports it.
"""

import hashlib
import json
import os

from ..version import STATE_VERSION, __version__

# A store's layout (state/store.py) and the analysis rules (core/analyzer.py) each carry their own version; this is
# what every answer key holds of the code.
MARK_BYTES = 4096


def code():
    """This code, as an answer depends on it: tokenscope's version and the analyzer state's."""
    return f"{__version__}+state{STATE_VERSION}"


# -- a file version -------------------------------------------------------------------------------------------------
def stat_key(st):
    """What says a file is unchanged since it was read: device, inode, size, modification and change times (ns).
    The change time catches a file rewritten with its modification time put back (issue 20)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def row_key(row):
    """The stat key a store's row was read at."""
    return (row.dev, row.ino, row.size, row.mtime_ns, row.ctime_ns)


def unchanged(st, row):
    """May the state stored in `row` stand for the file whose stat is `st`, unread? Only at the same stat key."""
    return st is not None and stat_key(st) == row_key(row)


def file_version(row):
    """A stored file's version (the token a session's part is checked against): its stat key and the fingerprint of
    the bytes before its offset."""
    return f"{row.dev}:{row.ino}:{row.size}:{row.mtime_ns}:{row.ctime_ns}:{row.mark}"


def mark_of(fh, offset):
    """The fingerprint of the bytes just before `offset` (up to MARK_BYTES): a grown file is resumed only when they
    are still the ones stored (issue 20)."""
    start = max(0, offset - MARK_BYTES)
    fh.seek(start)
    return hashlib.sha256(fh.read(offset - start)).hexdigest()


def may_resume(state, size, head, before_offset, mark=None, current_mark=None):
    """May a file now `size` bytes long, starting with `head` (its first bytes' fingerprint), with byte
    `before_offset` just before the stored offset (and, in the CLI, the fingerprint `current_mark` of the bytes before
    it where `mark` was stored), be read on from the offset of `state` (a FileState)? Only if it grew (or kept its
    size) from the same beginning, a line ended where the stored lines did, and the bytes before that are the same."""
    if size < state.size or head != state.head:
        return False
    if mark and current_mark != mark:
        return False
    return state.offset == 0 or state.skip or before_offset == b"\n"


# -- the answer key --------------------------------------------------------------------------------------------------
_BUILTIN = []


def builtin_prices():
    """The sha256 of the built-in price table's bytes (read once per process)."""
    if not _BUILTIN:
        from ..core.pricing import table_bytes
        _BUILTIN.append(hashlib.sha256(table_bytes()).hexdigest())
    return _BUILTIN[0]


def prices_of_files(price_paths):
    """The price table a run uses: [the built-in table's sha256, [path, sha256] of each price file], or None when a
    price file cannot be read."""
    out = [builtin_prices()]
    for path in price_paths:
        try:
            with open(path, "rb") as fh:
                out.append([path, hashlib.sha256(fh.read()).hexdigest()])
        except OSError:
            return None
    return out


def prices_of_data(overrides):
    """The price table the page uses: the built-in table's sha256 and that of the overrides it was given (JSON)."""
    extra = None if overrides is None else hashlib.sha256(
        json.dumps(overrides, sort_keys=True, default=str).encode()).hexdigest()
    return [builtin_prices(), extra]


def prices_by_stat(price_paths):
    """The price files by their stats, for the status line (hashing them on every render would cost more than its
    whole work): the built-in table and each file, [path, size, mtime, inode] (None where it cannot be stat'ed)."""
    from ..core import rules  # light (pricing imports re): the table lies beside it, as pricing.table_path says
    out = []
    for p in [os.path.join(os.path.dirname(os.path.abspath(rules.__file__)), "prices.json"), *price_paths]:
        try:
            st = os.stat(p)
            out.append([os.path.abspath(p), st.st_size, st.st_mtime_ns, st.st_ino])
        except OSError:
            out.append([os.path.abspath(p), None, None, None])
    return out


def answer_key(options, prices, extra=()):
    """The key of an answer: this code, the prices (one of the prices_* above) and the options (any JSON), and what
    else it depends on (`extra`). None when the prices could not be read."""
    if prices is None:
        return None
    return hashlib.sha256(json.dumps([code(), prices, options, list(extra)], sort_keys=True,
                                     default=str).encode()).hexdigest()
