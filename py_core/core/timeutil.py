"""Time zones and day keys: explicit, never implied (ccusage #349/#413 grouped days in UTC)."""

import re
import time
from datetime import date, datetime, timedelta, timezone

from .rules import MAX_TS, MIN_TS, iso  # noqa: F401 - the span and the stamp (rules.py), named here for the report
_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$")


# The span a report can name (issue 30): years 1 to 9999 (rules.py). A stamp a log gives outside it (an offset pushing
# year 1 into year 0) is still analysed; days it cannot be placed on are counted in the diagnostics, and a time derived
# from a stamp (a cache's expiry an hour after 9999-12-31T23:59:59Z) is shown at the span's edge (rules.iso).
SLACK = 86400.0           # an offset of up to a day either side: a stored time within this is a real one


class TimeZoneError(ValueError):
    pass


def resolve_tz(name):
    """A tzinfo for 'local' (None), 'UTC', '+05:30' / 'UTC-8', or an IANA name."""
    if name is None or name == "" or name.lower() == "local":
        return None
    if name.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    m = _OFFSET.match(name.strip())
    if m:
        sign, hh, mm = m.group(1), int(m.group(2)), int(m.group(3) or 0)
        if hh > 23 or mm > 59:
            raise TimeZoneError(f"unknown time zone offset {name!r}")
        delta = timedelta(hours=hh, minutes=mm)
        return timezone(-delta if sign == "-" else delta)
    try:
        from zoneinfo import ZoneInfo
        return ZoneInfo(name)
    except Exception as exc:  # ZoneInfoNotFoundError, ValueError on odd keys, missing tzdata
        raise TimeZoneError(f"unknown time zone {name!r} (use an IANA name like Europe/Paris, UTC, or +05:30)") from exc


def tz_label(name):
    if name is None or name == "" or name.lower() == "local":
        return "local (" + "/".join(dict.fromkeys(time.tzname)) + ")"
    return name


def day_function(tzinfo):
    """ts (epoch seconds) -> 'YYYY-MM-DD' in the zone (None = the machine's local zone).

    Memoised per quarter hour of UTC when both ends of that quarter hour fall on the same local day; otherwise
    (an offset like +05:17, a historical local mean time, a transition inside the quarter) each stamp is
    converted on its own (issue 10: `--tz +05:17` filed requests under the wrong day).
    A time that falls outside years 1-9999 in the zone (year 1 at UTC-12:00) has no day: None (issue 30: it
    stopped every view); the report counts such requests in its diagnostics.
    """
    cache = {}
    if tzinfo is None:
        def convert(t):
            try:
                lt = time.localtime(t)
            except (OverflowError, OSError, ValueError):
                return None
            return _ymd(lt.tm_year, lt.tm_mon, lt.tm_mday)
    else:
        def convert(t):
            try:
                dt = datetime.fromtimestamp(t, tzinfo)
            except (OverflowError, OSError, ValueError):
                return None
            return _ymd(dt.year, dt.month, dt.day)

    def day(ts):
        if ts is None:
            return None
        q = int(ts // 900)
        d = cache.get(q)
        if d is None:
            d = convert(q * 900)
            if d is None or convert(q * 900 + 899.999) != d:
                return convert(ts)  # a day starts inside this quarter hour (or the span ends): no shortcut
            cache[q] = d
        return d

    return day


def _ymd(y, m, d):
    """'YYYY-MM-DD', zero-padded (issue 30: strftime wrote year 1 as `1-01-01`, which no period could parse), or None
    outside years 1-9999."""
    return f"{y:04d}-{m:02d}-{d:02d}" if 1 <= y <= 9999 else None


def parse_day(value):
    """'YYYY-MM-DD' or 'YYYYMMDD' -> 'YYYY-MM-DD'; ValueError otherwise."""
    v = value.strip()
    if re.fullmatch(r"\d{8}", v):
        v = f"{v[:4]}-{v[4:6]}-{v[6:]}"
    date.fromisoformat(v)  # validates
    return v


def parse_iso(stamp):
    """An ISO stamp of the report back to epoch seconds (None when absent or unreadable)."""
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
