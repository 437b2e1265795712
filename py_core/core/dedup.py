"""Global dedup of billed requests: one per API response, whatever copies the logs hold.

Rules (shared/docs/claude-code-jsonl.md, "Why one response appears on several lines"; issue 10):
- the identity of a response is its `message.id`: the API gives every response its own, so every line
  carrying one id is a copy of one response, whatever its `requestId` (the `(message.id, requestId)` key
  split a response logged again without requestId in two: +82% on slopus/happy-cli's fixture);
- among the copies of one id: a main-thread copy beats a sidechain copy, then the largest token total
  wins (streaming snapshots carry partial usage; keeping the first under-counts: claude-hud #698), then
  the earliest (source, line) — so the answer never depends on input order or on how the files were
  split between processes or workers;
- a line with usage and no `message.id` is a request of its own;
- a copy embedded in a parent's `progress` line (a subagent's response, 2.1.x) is billed only when no
  line of its own with that id was analysed, with the same rules among such copies; it is labelled
  recovered (partial: a subagent's own file holds every request, its progress copies only some).
"""


from .rules import beats


def _beats(sidechain, total, source, line, kept):
    """Is a copy with these values preferred to the `kept` copy (a Request) of the same response? (rules.beats)"""
    return beats(sidechain, total, source, line, kept.sidechain, kept.total, kept.source, kept.line)


class RequestStore:
    """Best copy per response; mergeable (the merge of two stores = the store of the union).

    by_key      message.id (or ("", source, line) for a line without one) -> the best own-line copy
    recovered   message.id -> the best progress-line copy (used only where by_key has no such id)
    sidechain_ids  ids with a sidechain own copy (to count main-thread responses replayed in a sidechain)
    ended_ids   ids with a copy that says the response ended (cut-off responses have none)
    """

    __slots__ = ("by_key", "recovered", "sidechain_ids", "ended_ids", "usage_lines", "progress_copies")

    def __init__(self):
        self.by_key = {}
        self.recovered = {}
        self.sidechain_ids = set()
        self.ended_ids = set()
        self.usage_lines = 0
        self.progress_copies = 0

    def offer(self, mid, sidechain, total, source, line, ended):
        """Count one usage line; True when its copy beats the one kept (the caller then builds and `put`s it).

        Deciding from a few values first means the duplicate lines of a response (one per content block)
        never pay for building a record.
        """
        self.usage_lines += 1
        if mid is None:
            return True
        if ended:
            self.ended_ids.add(mid)
        if sidechain:
            self.sidechain_ids.add(mid)
        cur = self.by_key.get(mid)
        return cur is None or _beats(sidechain, total, source, line, cur)

    def offer_recovered(self, mid, total, source, line, ended):
        """The same, for a copy inside a progress line (always a subagent's: a sidechain copy)."""
        self.progress_copies += 1
        if ended:
            self.ended_ids.add(mid)
        cur = self.recovered.get(mid)
        return cur is None or _beats(True, total, source, line, cur)

    def put(self, req):
        if req.recovered:
            self.recovered[req.message_id] = req
        else:
            self.by_key[("", req.source, req.line) if req.message_id is None else req.message_id] = req

    def merge(self, other):
        self.usage_lines += other.usage_lines
        self.progress_copies += other.progress_copies
        self.sidechain_ids |= other.sidechain_ids
        self.ended_ids |= other.ended_ids
        for mine, theirs in ((self.by_key, other.by_key), (self.recovered, other.recovered)):
            for key, req in theirs.items():
                cur = mine.get(key)
                if cur is None or _beats(req.sidechain, req.total, req.source, req.line, cur):
                    mine[key] = req

    def requests(self):
        """The billed requests in a stable order: every own-line response, then recovered ones without one."""
        by_key = self.by_key
        kept = list(by_key.values())
        kept.extend(r for mid, r in self.recovered.items() if mid not in by_key)
        kept.sort(key=lambda r: r.order())
        return kept

    def replays(self):
        """Main-thread responses that a sidechain also logged (`/btw` replays, ccusage #913): billed once."""
        side = self.sidechain_ids
        return sum(1 for r in self.by_key.values() if not r.sidechain and r.message_id in side)

    def cut_off(self, requests):
        """Those of `requests` cut off mid-stream: none of their copies says the response ended, and their session
        shows that its Claude Code records endings — most of its responses have a copy with a `stop_reason`.
        Claude Code 2.1.14-2.1.49 wrote `stop_reason: null` on every line of every response, and 1.0.x on most
        (usage logged at the stream's start): without that evidence every response of those versions read as cut off (issue 23; claude-code-jsonl.md, "Newer
        shapes")."""
        ended = self.ended_ids
        candidates = [r for r in requests if not r.ended and r.message_id not in ended]
        if not candidates:
            return candidates
        seen, done = {}, {}
        for t in (self.by_key, self.recovered):
            for r in t.values():
                seen[r.session_id] = seen.get(r.session_id, 0) + 1
                if r.ended or r.message_id in ended:
                    done[r.session_id] = done.get(r.session_id, 0) + 1
        return [r for r in candidates if 2 * done.get(r.session_id, 0) > seen[r.session_id]]

    def own_agents(self):
        """Agent ids that have lines of their own in the analysis (a recovered copy is not one)."""
        return {r.agent_id for r in self.by_key.values() if r.agent_id}
