"""The compact records the analyzer keeps: one per billed request, prompt, compaction."""

from operator import attrgetter

from .rules import parse_ts  # noqa: F401 - the one rule (rules.py), named here for the records' readers

# The token buckets, listed once (issue 31 item 4), in the one order every rate, cost and sum uses (pricing.Rates,
# priced.Costs, parts.Agg, blocks' hours): each with the Request field it counts and the name the report gives it.
# The web-search fee is a sixth cost, of `web_search` requests, not tokens. Views list their own order of the same
# buckets for readers (core/present.BUCKETS).
TOKEN_BUCKETS = (("input", "input", "input"), ("cw5m", "cw5m", "cache_write_5m"), ("cw1h", "cw1h", "cache_write_1h"),
                 ("read", "cache_read", "cache_read"), ("output", "output", "output"))
TOKENS = tuple(b[0] for b in TOKEN_BUCKETS)
COSTS = TOKENS + ("web",)
REPORT_TOKENS = tuple(b[2] for b in TOKEN_BUCKETS)
token_counts = attrgetter(*(b[1] for b in TOKEN_BUCKETS))  # a Request's counts, in TOKENS order


class Request:
    """One billed API request (one Claude response), after its line was parsed."""

    __slots__ = (
        "ts", "timestamp", "session_id", "agent_id", "sidechain", "model",
        "input", "output", "cw5m", "cw1h", "cache_read", "web_search",
        "speed", "geo", "message_id", "request_id", "source", "line", "total", "cwd",
        "recovered", "ended", "who",
    )

    def __init__(self, ts, timestamp, session_id, agent_id, sidechain, model, inp, out, cw5m, cw1h,
                 cache_read, web_search, speed, geo, message_id, request_id, source, line, cwd=None,
                 recovered=False, ended=True, who=None):
        self.ts = ts
        self.timestamp = timestamp
        self.session_id = session_id
        self.agent_id = agent_id
        self.sidechain = sidechain
        self.model = model
        self.input = inp
        self.output = out
        self.cw5m = cw5m
        self.cw1h = cw1h
        self.cache_read = cache_read
        self.web_search = web_search
        self.speed = speed
        self.geo = geo
        self.message_id = message_id
        self.request_id = request_id
        self.source = source
        self.line = line
        self.total = inp + out + cw5m + cw1h + cache_read
        self.cwd = cwd
        # Recovered from a parent's `progress` line (issue 10): a copy of a subagent's response whose own
        # line was not analysed; billed, and labelled partial.
        self.recovered = recovered
        # This copy says the response ended (stop_reason set, or a log without the field); a response none of
        # whose copies ended was cut off mid-stream (claude-code-jsonl.md, "Newer shapes").
        self.ended = ended
        # Who it was for (issue 32): (entrypoint, skill, plugin, MCP server) from its line, or None.
        self.who = who

    @property
    def context(self):
        """Prompt size of the request: everything sent, output excluded (claude-code-jsonl.md)."""
        return self.input + self.cw5m + self.cw1h + self.cache_read

    def order(self):
        """A total order independent of how the input was split or merged (no timestamp sorts first)."""
        return (self.ts if self.ts is not None else 0.0, self.source, self.line)

    def __getstate__(self):
        return tuple(getattr(self, s) for s in self.__slots__)

    @classmethod
    def field(cls, name):
        """The position of field `name` in a Request's state (its export): what reads a state reads it by name."""
        return cls.__slots__.index(name)

    def __setstate__(self, state):
        for s, v in zip(self.__slots__, state):
            setattr(self, s, v)
