"""The compact records the analyzer keeps: one per billed request, prompt, compaction."""

from .rules import parse_ts  # noqa: F401 - the one rule (rules.py), named here for the records' readers


class Request:
    """One billed API request (one Claude response), after its line was parsed."""

    __slots__ = (
        "ts", "timestamp", "session_id", "agent_id", "sidechain", "model",
        "input", "output", "cw5m", "cw1h", "cache_read", "web_search",
        "speed", "geo", "message_id", "request_id", "source", "line", "total", "cwd",
        "recovered", "ended",
    )

    def __init__(self, ts, timestamp, session_id, agent_id, sidechain, model, inp, out, cw5m, cw1h,
                 cache_read, web_search, speed, geo, message_id, request_id, source, line, cwd=None,
                 recovered=False, ended=True):
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

    @property
    def context(self):
        """Prompt size of the request: everything sent, output excluded (claude-code-jsonl.md)."""
        return self.input + self.cw5m + self.cw1h + self.cache_read

    def order(self):
        """A total order independent of how the input was split or merged (no timestamp sorts first)."""
        return (self.ts if self.ts is not None else 0.0, self.source, self.line)

    def __getstate__(self):
        return tuple(getattr(self, s) for s in self.__slots__)

    def __setstate__(self, state):
        for s, v in zip(self.__slots__, state):
            setattr(self, s, v)
