"""The status line's running summary of one session (issue 20): a render reads it and only the transcript's new bytes.

Claude Code runs the status line about every 300 ms. The full path (loader -> store -> analyzer -> live) costs a
few hundred milliseconds on a long session, all of it growing with the session. This module keeps, per transcript,
a small JSON file beside the store (`<cache dir>/running/`): the latest billed requests of the session's files as
compact records (their dedup key, order, cost in pico-dollars, what the next-request estimate needs) and every
older one folded into per-session sums (cost, counts, output, the latest request) with only its message id kept,
the rates used, and where each file's complete lines end — so a render loads a few kilobytes whatever the
session's length. A render stats the files, checks that what it read
before is still there (same inode, the bytes before the offset unchanged), reads the new lines, and applies the
analyzer's own rules to them (dedup.py: one response per message id, main-thread copy first, then the largest
total, then the earliest place; a progress line's copy only where no line of its own exists).

Whatever it cannot decide exactly goes back to the full path, which rebuilds the summary: a file rewritten or
shrunk or gone, a line it cannot read the way the analyzer would (not UTF-8, text outside ASCII in a field that
matters, a timestamp in another shape, a line over the size limit, an unfinished last line), a price it has not
seen (a new model or day: the price table is imported then), other prices (a changed price file), a summary of
another version or one that does not check. The figures equal `live.session_status` over the same files
(tests/test_running.py). The common path imports json, os, time and this module only: no argparse, re, sqlite3,
datetime or decimal (python -X importtime).
"""

import json
import os

from ..core import rules

VERSION = 3  # 3: the session's latest loop fire (issue 32)
FOLDER = "running"
HOT = 256               # records kept whole: a new copy of one of them (streaming, a replay) is decided exactly;
                        # past twice as many, the oldest are folded into the sums (a copy of those: the full path)
MARK = 64               # bytes kept from each file's start and from before its offset: a rewrite is read anew
MAX_NEW = 64 << 20      # more new bytes than this: the full path (and its store) reads them
PICO = rules.PICO

# A record: one billed request (the kept copy of one response). MODEL indexes d["models"].
MID, SIDE, TOTAL, SRC, LINE, TS, SESS, AGENT, MODEL, CTX, OUT, CW1H, PICOS, RATES, REC = range(15)
# A session's folded sums: d["cold"][str(session index)] = [n, picos, [unpriced model indexes], max_ts, main, all]
# with main/all = [count, output sum, count with 1-hour writes, the latest record by order or None].


class Undecided(Exception):
    """The fast path cannot decide this exactly: the full path answers (and rebuilds the summary)."""


def _expect(cond):
    if not cond:
        raise Undecided()


# -- the summary file -------------------------------------------------------------------------------------------
def summary_path(cache_dir, transcript):
    import zlib
    ap = os.path.abspath(transcript)
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in os.path.basename(ap)[:80])
    return os.path.join(cache_dir, FOLDER, f"{stem}-{zlib.crc32(ap.encode('utf-8', 'surrogateescape')):08x}.json")


def price_digest(price_paths):
    """What the summary's figures depend on besides the transcript (identity.answer_key: this code, and the price files
    by their stats — no hashing on the common path —, the built-in table among them)."""
    from .identity import answer_key, prices_by_stat
    return answer_key("running", prices_by_stat(price_paths), [VERSION])


def load(path, transcript, digest):
    """The summary at `path` when it is this version's, of this transcript and these prices, and checks; else None."""
    try:
        with open(path, "rb") as fh:
            d = json.loads(fh.read())
        _expect(type(d) is dict and d.get("v") == VERSION and d.get("transcript") == os.path.abspath(transcript)
                and d.get("prices") == digest)
        _check(d)
        return d
    except (OSError, ValueError, RecursionError, Undecided, TypeError, KeyError, IndexError):
        return None


def _check(d):
    """Every field of a summary read from disk has the type and range the code below relies on (a damaged or
    hostile file is rebuilt, never trusted into a number)."""
    _expect(type(d["files"]) is dict and type(d["hot"]) is list and type(d["rates"]) is dict
            and type(d["sources"]) is list and type(d["sessions"]) is list and type(d["verdicts"]) is dict
            and type(d["thresholds"]) is list and type(d["models"]) is list and type(d["cold"]) is dict
            and type(d["cold_own"]) is list and type(d["cold_rec"]) is list and type(d["fires"]) is dict)
    for sid, f in d["fires"].items():
        _expect(type(sid) is str and type(f) is list and len(f) == 3 and type(f[0]) in (int, float)
                and type(f[1]) is str and (f[2] is None or type(f[2]) is str))
    nat = lambda v: type(v) is int and 0 <= v  # noqa: E731
    for path, f in d["files"].items():
        _expect(type(path) is str and type(f) is list and len(f) == 8 and type(f[0]) is str
                and all(nat(x) for x in f[1:6]) and type(f[6]) is str and type(f[7]) is str)
    for k, r in d["rates"].items():
        _expect(type(k) is str and (r is None or (type(r) is list and len(r) == 6 and all(nat(x) for x in r))))
    _expect(all(type(x) is str for t in ("sources", "sessions", "models", "cold_own", "cold_rec") for x in d[t])
            and all(type(t) is int for t in d["thresholds"]))
    for r in d["hot"]:
        _record(d, r)
    for k, c in d["cold"].items():
        _expect(k.isdigit() and int(k) < len(d["sessions"]) and type(c) is list and len(c) == 6 and nat(c[0])
                and nat(c[1]) and type(c[2]) is list and all(nat(m) and m < len(d["models"]) for m in c[2])
                and (c[3] is None or type(c[3]) in (int, float)))
        for agg in (c[4], c[5]):
            _expect(type(agg) is list and len(agg) == 4 and nat(agg[0]) and nat(agg[1]) and nat(agg[2]))
            if agg[3] is not None:
                _record(d, agg[3])


def _record(d, r):
    nat = lambda v: type(v) is int and 0 <= v  # noqa: E731
    _expect(type(r) is list and len(r) == 15 and type(r[MID]) is str and r[SIDE] in (0, 1) and nat(r[TOTAL])
            and nat(r[SRC]) and r[SRC] < len(d["sources"]) and nat(r[LINE])
            and (r[TS] is None or type(r[TS]) in (int, float)) and nat(r[SESS]) and r[SESS] < len(d["sessions"])
            and type(r[AGENT]) is str and nat(r[MODEL]) and r[MODEL] < len(d["models"]) and nat(r[CTX])
            and nat(r[OUT]) and nat(r[CW1H]) and (r[PICOS] is None or nat(r[PICOS])) and type(r[RATES]) is str
            and r[RATES] in d["rates"] and r[REC] in (0, 1))


def save(path, d):
    """Write the summary through a temporary file and a rename (a render running beside it reads either the old or
    the new one), 0600 in a 0700 folder, like the store."""
    from .paths import write_atomic
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    # dumps, then one write: the C encoder (json.dump streams through the Python one: 26 ms on 1 MB).
    write_atomic(path, json.dumps(d, separators=(",", ":")).encode("ascii"), mode=0o600, sync=False)


def _summaries(cache_dir):
    folder = os.path.join(cache_dir, FOLDER)
    try:
        return [os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".json")]
    except OSError:
        return []


def count(cache_dir):
    """How many session summaries the cache holds (`tokenscope cache info`)."""
    return len(_summaries(cache_dir))


def clear(cache_dir):
    """Delete every session summary (`tokenscope cache clear`); returns how many went."""
    n = 0
    for p in _summaries(cache_dir):
        try:
            os.unlink(p)
            n += 1
        except OSError:
            pass
    return n


def _marks(fh, offset):
    """(the file's first MARK bytes, the MARK bytes before `offset`) as hex."""
    fh.seek(0)
    head = fh.read(MARK)
    fh.seek(max(0, offset - MARK))
    before = fh.read(min(MARK, offset))
    return head.hex(), before.hex()


# -- building from the full path ---------------------------------------------------------------------------------
def build(files, analyzer, offsets, prices, verdicts):
    """A summary from the full path's `analyzer` of the session's `files` (label, path, size), whose complete lines
    end at `offsets` ({path: (offset, lines)}); `prices` the PriceTable that analyzer is priced with."""
    from bisect import bisect_left

    from ..core.pricing import THRESHOLDS
    from ..core.priced import agent_key, utc_day
    d = {"v": VERSION, "files": {}, "hot": [], "rates": {}, "sources": [], "sessions": [], "models": [],
         "cold": {}, "cold_own": [], "cold_rec": [], "verdicts": verdicts, "thresholds": list(THRESHOLDS),
         "fires": {}}
    # Issue 32: each session's latest loop fire [ts, task, cron], to name the loop that woke an expired cache.
    for sid, ts, task in analyzer.fires.values():
        cur = d["fires"].get(sid)
        if ts is not None and (cur is None or ts > cur[0]):
            d["fires"][sid] = [ts, task, analyzer.tasks.get(task)]
    for label, path, _size in files:
        offset, lines = offsets[path]
        st = os.stat(path)
        with open(path, "rb") as fh:
            head, before = _marks(fh, offset)
        d["files"][os.path.abspath(path)] = [label, st.st_dev, st.st_ino, offset, lines, st.st_mtime_ns, head, before]
    for r in analyzer.store.requests():  # in order: the latest stay whole
        _expect(r.message_id is not None)  # a request without an id is keyed by its place: the full path keeps it
        day = utc_day(r.ts) or "0000-00-00"
        key = _rates_key(r.model, day, bisect_left(THRESHOLDS, r.context), r.speed, r.geo)
        if key not in d["rates"]:
            found, _label = prices.request_rates(r.model, day, r.context, r.speed, r.geo)
            d["rates"][key] = list(found[0]) + [found[1]] if found is not None else None
        rates = d["rates"][key]
        d["hot"].append([
            r.message_id, int(r.sidechain), r.total, _index(d["sources"], r.source), r.line, r.ts,
            _index(d["sessions"], r.session_id), agent_key(r), _index(d["models"], r.model), r.context, r.output,
            r.cw1h, _picos(rates, r.input, r.cw5m, r.cw1h, r.cache_read, r.output, r.web_search), key,
            int(r.recovered)])
    fold(d)
    return d


def fold(d, keep=None):
    """Fold all but the `keep` (HOT) latest-added records into their sessions' sums; their ids stay, to tell a late
    copy."""
    keep = HOT if keep is None else keep
    hot = d["hot"]
    if len(hot) <= keep:
        return
    old, d["hot"] = hot[:len(hot) - keep], hot[len(hot) - keep:]
    sources = d["sources"]
    for r in old:
        c = d["cold"].get(str(r[SESS]))
        if c is None:
            c = d["cold"][str(r[SESS])] = [0, 0, [], None, [0, 0, 0, None], [0, 0, 0, None]]
        c[0] += 1
        if r[PICOS] is None:
            if r[MODEL] not in c[2]:
                c[2].append(r[MODEL])
        else:
            c[1] += r[PICOS]
        if r[TS] is not None and (c[3] is None or r[TS] > c[3]):
            c[3] = r[TS]
        for agg in ((c[4], c[5]) if r[AGENT] == "main" else (c[5],)):
            agg[0] += 1
            agg[1] += r[OUT]
            agg[2] += 1 if r[CW1H] else 0
            if agg[3] is None or _order(r, sources) > _order(agg[3], sources):
                agg[3] = r
        (d["cold_rec"] if r[REC] else d["cold_own"]).append(r[MID])


def _order(r, sources):
    """Request.order() of a record: (ts or 0, source, line)."""
    return (r[TS] if r[TS] is not None else 0.0, sources[r[SRC]], r[LINE])


def _index(table, value):
    """The position of `value` in a short table (sources, sessions), appended when new."""
    try:
        return table.index(value)
    except ValueError:
        table.append(value)
        return len(table) - 1


def _rates_key(model, day, tier, speed, geo):
    return json.dumps([model, day, tier, speed, geo], separators=(",", ":"))


def _picos(rates, inp, cw5m, cw1h, read, out, web):
    """A request's cost in pico-dollars at a summary's stored rates (rules.costs, summed), None when unpriced."""
    if rates is None:
        return None
    return sum(rules.costs(rates, rates[5], inp, cw5m, cw1h, read, out, web))


# -- the fast path: new lines -------------------------------------------------------------------------------------
def advance(d, files, price_table):
    """Read what the session's files gained since `d` was written, in place. Raises Undecided. `price_table()` gives
    the PriceTable when a request needs rates the summary does not hold. Returns whether anything changed."""
    known = d["files"]
    listed = {os.path.abspath(p): (label, p) for label, p, _s in files}
    _expect(set(known) <= set(listed))  # a file gone: the full path decides what it means
    by_id = {r[MID]: i for i, r in enumerate(d["hot"])}
    cold = (set(d["cold_own"]), set(d["cold_rec"]))
    changed = False
    for ap, (label, path) in listed.items():
        f = known.get(ap)
        st = os.stat(path)
        if f is None:  # a new file of the session (a subagent's): read from its start
            f = known[ap] = [label, st.st_dev, st.st_ino, 0, 0, 0, "", ""]
            changed = True
        _expect(f[0] == label and f[1] == st.st_dev and f[2] == st.st_ino and st.st_size >= f[3])
        if st.st_size == f[3] and st.st_mtime_ns == f[5]:
            continue
        _expect(st.st_size - f[3] <= MAX_NEW)
        with open(path, "rb") as fh:
            head, before = _marks(fh, f[3])
            _expect(f[3] == 0 or (head == f[6] and before == f[7]))
            fh.seek(f[3])
            new = fh.read(st.st_size - f[3])
        end = new.rfind(b"\n") + 1
        _expect(not new[end:].strip())  # an unfinished last line: the analyzer reads it now, so must we
        if end == 0:
            f[5] = st.st_mtime_ns  # touched, or only blanks after the last line: the same lines
            changed = True
            continue
        n = f[4]
        first = f[3] == 0
        for raw in new[:end - 1].split(b"\n"):
            n += 1
            if first:
                first = False
                if raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
            if b'"usage"' in raw:
                _line(d, by_id, cold, label, n, raw, price_table)
            elif b'"scheduled_task_fire"' in raw:
                raise Undecided()  # a loop's fire (issue 32; rare): the full path reads it and names the loop
        f[3] += end
        f[4] = n
        f[5] = st.st_mtime_ns
        with open(path, "rb") as fh:
            f[6], f[7] = _marks(fh, f[3])
        changed = True
    if len(d["hot"]) > 2 * HOT:
        fold(d)
    return changed


def _line(d, by_id, cold, label, n, raw, price_table):
    """Line n of file `label`, which names "usage" somewhere: what analyzer._parse makes of it, for the records."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Undecided() from None
    if rules.too_deep(text):
        return  # nested too deeply: malformed there, so no request here either
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return  # malformed: no request (the analyzer counts it, which the status line does not show)
    if type(obj) is not dict:
        return
    t = obj.get("type")
    if t == "assistant" or t is None:
        msg = obj.get("message")
        usage = msg.get("usage") if type(msg) is dict else None
        if type(usage) is dict:
            _usage(d, by_id, cold, label, n, obj, msg, usage, None, None, price_table)
    elif t == "progress":
        data = obj.get("data")
        if type(data) is dict:
            inner = data.get("message")
            m = inner.get("message") if type(inner) is dict else None
            usage = m.get("usage") if type(m) is dict else None
            if type(usage) is dict:
                aid = rules.text_or_none(data.get("agentId"))
                _usage(d, by_id, cold, label, n, obj, m, usage, inner, aid, price_table)


def _usage(d, by_id, cold, label, n, obj, msg, usage, inner, aid, price_table):
    """analyzer._usage (inner None) or analyzer._recover (a progress line's copy) for one line."""
    recovered = inner is not None
    model = msg.get("model")
    if recovered:
        mid = rules.text_or_none(msg.get("id"))
        if mid is None or model == "<synthetic>":
            return
    else:
        if model == "<synthetic>" or obj.get("isApiErrorMessage") is True:
            return
        mid = rules.text_or_none(msg.get("id"))
    _expect(mid is not None)  # a line without an id is a request of its own, keyed by its place: rare, full path
    inp, out, cw5m, cw1h, read, _bad = rules.numbers(usage)
    web = rules.web_searches(usage, _bad)
    sidechain = True if recovered else obj.get("isSidechain") is True
    total = inp + out + cw5m + cw1h + read
    src = _index(d["sources"], label)
    i = by_id.get(mid)
    if i is None and (mid in cold[0] or mid in cold[1]):
        if recovered and mid in cold[0]:
            return  # a line of its own is billed: a progress copy never is
        raise Undecided()  # a copy of a response folded long ago: which copy wins needs it whole
    if i is not None:
        kept = d["hot"][i]
        if recovered:
            if not kept[REC]:
                return  # a line of its own is billed: a progress copy never is
        elif kept[REC]:
            pass        # a line of its own replaces a progress copy, whatever their totals
        if kept[REC] == int(recovered) and not rules.beats(sidechain, total, label, n, bool(kept[SIDE]), kept[TOTAL],
                                                            d["sources"][kept[SRC]], kept[LINE]):
            return
    if recovered:
        ts_raw = inner.get("timestamp")
        if type(ts_raw) is not str:
            ts_raw = obj.get("timestamp")
        agent = aid or ""
    else:
        ts_raw = obj.get("timestamp")
        agent = rules.text_or_none(obj.get("agentId")) or ""
    ts = rules.parse_ts(ts_raw)
    sess = rules.text_or_none(obj.get("sessionId")) or _fallback_session(label)
    model = rules.text_or_none(model) or "(no model)"
    speed = rules.speed(usage)
    geo = rules.text_or_none(usage.get("inference_geo"))
    ctx = inp + cw5m + cw1h + read
    day = rules.utc_day(ts) or "0000-00-00"
    tier = sum(1 for th in d["thresholds"] if th < ctx)  # bisect_left over the sorted thresholds
    key = _rates_key(model, day, tier, speed, geo)
    if key not in d["rates"]:
        found, _label = price_table().request_rates(model, day, ctx, speed, geo)
        d["rates"][key] = list(found[0]) + [found[1]] if found is not None else None
    rates = d["rates"][key]
    agent_key = "main" if not sidechain and not agent else agent or "sidechain"
    rec = [mid, int(sidechain), total, src, n, ts, _index(d["sessions"], sess), agent_key,
           _index(d["models"], model), ctx, out, cw1h, _picos(rates, inp, cw5m, cw1h, read, out, web), key,
           int(recovered)]
    if i is None:
        by_id[mid] = len(d["hot"])
        d["hot"].append(rec)
    else:
        d["hot"][i] = rec


def _fallback_session(label):
    from ..core.labels import label_parts
    return label_parts(label)[1]


# -- the answer ----------------------------------------------------------------------------------------------------
def status(d, session_id=None):
    """live.session_status, from the records and the folded sums: {session_id, cost_usd, requests, context_tokens,
    model, last_ts, next_turn, unpriced, rates, expires_at} or None."""
    hot, cold, sessions, sources, models = d["hot"], d["cold"], d["sessions"], d["sources"], d["models"]
    present = {r[SESS] for r in hot} | {int(k) for k, c in cold.items() if c[0]}
    s = sessions.index(session_id) if session_id in sessions else None
    if s is None or s not in present:
        dated = [(r[TS], sessions[r[SESS]], r[SESS]) for r in hot if r[TS] is not None]
        dated += [(c[3], sessions[int(k)], int(k)) for k, c in cold.items() if c[3] is not None]
        if not dated:
            return None
        s = max(dated)[2]
    mine = [r for r in hot if r[SESS] == s]
    c = cold.get(str(s)) or [0, 0, [], None, [0, 0, 0, None], [0, 0, 0, None]]
    pico = c[1] + sum(r[PICOS] for r in mine if r[PICOS] is not None)
    unpriced = sorted({models[m] for m in c[2]} | {models[r[MODEL]] for r in mine if r[PICOS] is None})
    main = [r for r in mine if r[AGENT] == "main"]
    agg = c[4]
    if not main and not agg[0]:  # no main-thread request: the session's requests stand in (live.session_status)
        main, agg = mine, c[5]
    count = agg[0] + len(main)
    out = agg[1] + sum(r[OUT] for r in main)
    one_hour = agg[2] > 0 or any(r[CW1H] for r in main)
    last = max(([agg[3]] if agg[3] is not None else []) + main, key=lambda r: _order(r, sources))
    rates = d["rates"][last[RATES]]
    loop = None
    fire = d["fires"].get(sessions[s])
    if fire is not None:
        ordered = sorted(([agg[3]] if agg[3] is not None else []) + main, key=lambda r: _order(r, sources))
        prev = ordered[-2] if len(ordered) > 1 else None
        if prev is not None and rules.loop_woke(fire[0], prev[TS], last[TS], one_hour):
            loop = {"task": fire[1], "cron": fire[2], "context_tokens": last[CTX], "cost_usd": None
                    if last[PICOS] is None else rules.usd(last[PICOS])}
    nt, expires = rules.next_turn(count, out, one_hour, last[TS], last[CTX], models[last[MODEL]],
                                  rates[:5] if rates else None)
    return {"session_id": sessions[s], "cost_usd": rules.usd(pico), "requests": c[0] + len(mine),
            "context_tokens": last[CTX], "model": models[last[MODEL]], "last_ts": last[TS], "next_turn": nt,
            "unpriced": unpriced, "expires_at": expires, "loop": loop,
            "rates": rates and {"cw5m": rates[1] / PICO, "cw1h": rates[2] / PICO, "output": rates[4] / PICO}}
