"""Time zones and day keys: explicit, never implied (ccusage #349/#413 grouped days in UTC)."""

import re
import time
from datetime import date, datetime, timedelta, timezone

_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$")


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
    """
    cache = {}
    if tzinfo is None:
        def convert(t):
            return time.strftime("%Y-%m-%d", time.localtime(t))
    else:
        def convert(t):
            return datetime.fromtimestamp(t, tzinfo).strftime("%Y-%m-%d")

    def day(ts):
        if ts is None:
            return None
        q = int(ts // 900)
        d = cache.get(q)
        if d is None:
            d = convert(q * 900)
            if convert(q * 900 + 899.999) != d:
                return convert(ts)  # a day starts inside this quarter hour: no shortcut
            cache[q] = d
        return d

    return day


def parse_day(value):
    """'YYYY-MM-DD' or 'YYYYMMDD' -> 'YYYY-MM-DD'; ValueError otherwise."""
    v = value.strip()
    if re.fullmatch(r"\d{8}", v):
        v = f"{v[:4]}-{v[4:6]}-{v[6:]}"
    date.fromisoformat(v)  # validates
    return v


def iso(ts, timespec="milliseconds"):
    """Epoch seconds as the report's UTC stamp, `2026-01-10T10:00:00.000Z`."""
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_iso(stamp):
    """An ISO stamp of the report back to epoch seconds (None when absent or unreadable)."""
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
