"""A report's options, as one frozen value (issue 31 item 3): what the shells take apart once, from their arguments,
and hand whole to the loader and the report — the session filters, the grouping, the curves — with the key they
carry into every kept answer (state/identity.py). The clock is not an option: `now` is passed beside it, so the same
options give the same key at any time."""

from collections import namedtuple

_Options = namedtuple("Options", "tz since until session latest project by curve curve_for entrypoint",
                      defaults=(None, None, None, None, False, None, "day", True, None, None))


class Options(_Options):
    """tz (a zone name, None: the machine's), since / until (days, inclusive, in tz), session (an id or its prefix),
    latest (the session active last), project (its working directory), by (day, week or month: the periods), curve
    (every session's context curve; False: only `curve_for`'s — "top": the costliest — as the page draws),
    entrypoint (issue 32: only requests Claude Code started from it — cli, sdk-cli, claude-desktop)."""

    __slots__ = ()

    def filters(self):
        """The selection's filters (core/priced.select_requests)."""
        return {"tz": self.tz, "since": self.since, "until": self.until, "session": self.session,
                "latest": bool(self.latest), "project": self.project, "entrypoint": self.entrypoint}

    def filtered(self):
        """Does anything narrow the selection (a report with nothing in it then says why)?"""
        return bool(self.since or self.until or self.session or self.latest or self.project or self.entrypoint)

    def key(self):
        """What a kept answer depends on of these options."""
        return [self.tz, self.since, self.until, self.session, bool(self.latest), self.project, self.by,
                bool(self.curve), self.curve_for, self.entrypoint]


def options(value=None, **kw):
    """An Options from an Options (as it is), None (the defaults) and keyword changes."""
    base = value if isinstance(value, Options) else Options()
    return base._replace(**kw) if kw else base
