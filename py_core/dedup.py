"""Global dedup of billed requests: one per API response, whatever copies the logs hold.

Rules (shared/docs/claude-code-jsonl.md, "Why one response appears on several lines"):
- key (message.id, requestId); message.id alone when requestId is missing (ccusage PR #985);
  a line with usage and no message.id is its own request;
- within a key: a main-thread copy beats a sidechain copy, then the largest token total wins
  (streaming snapshots carry partial usage; keeping the first under-counts: claude-hud #698),
  then the earliest (source, line) — so the answer never depends on input order or on how
  the files were split between workers;
- a sidechain copy whose message.id also has a main-thread copy under another requestId is a
  replay (`/btw`, ccusage #913 / PR #1155) and is dropped.
"""


def _beats(sidechain, total, source, line, kept):
    """Is a copy with these values preferred to the `kept` copy of the same request?"""
    ka = (not sidechain, total)
    kb = (not kept.sidechain, kept.total)
    if ka != kb:
        return ka > kb
    return (source, line) < (kept.source, kept.line)


class RequestStore:
    """Best copy per dedup key; mergeable (the merge of two stores = the store of the union)."""

    __slots__ = ("by_key", "main_message_ids", "usage_lines")

    def __init__(self):
        self.by_key = {}
        self.main_message_ids = set()
        self.usage_lines = 0

    def offer(self, mid, rid, sidechain, total, source, line):
        """Count one usage line; True when its copy beats the one kept (the caller then builds and `put`s it).

        Deciding from a few values first means the duplicate lines of a response (one per content block)
        never pay for building a record.
        """
        self.usage_lines += 1
        if mid is None:
            return True
        if not sidechain:
            self.main_message_ids.add(mid)
        cur = self.by_key.get((mid, rid))
        return cur is None or _beats(sidechain, total, source, line, cur)

    def put(self, req):
        key = ("", req.source, req.line) if req.message_id is None else (req.message_id, req.request_id)
        self.by_key[key] = req

    def merge(self, other):
        self.usage_lines += other.usage_lines
        self.main_message_ids |= other.main_message_ids
        by_key = self.by_key
        for key, req in other.by_key.items():
            cur = by_key.get(key)
            if cur is None or _beats(req.sidechain, req.total, req.source, req.line, cur):
                by_key[key] = req

    def requests(self):
        """Kept requests in a stable order, and how many sidechain replays were dropped."""
        mains = self.main_message_ids
        kept = []
        replays = 0
        for req in self.by_key.values():
            if req.sidechain and req.message_id in mains:
                replays += 1
                continue
            kept.append(req)
        kept.sort(key=lambda r: r.order())
        return kept, replays
