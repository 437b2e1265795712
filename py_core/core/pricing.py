"""The price table: loading, user overrides, model-id resolution, per-request rates.

Prices live in prices.json (LiteLLM field names, dated, sources recorded) — the one
source of truth for every rate. Nothing here computes a rate from another: the
multipliers of pricing.md have exceptions (marked with a dagger there), so each
rate is explicit per model.
"""

import bisect
import json
import re
from collections import namedtuple
from importlib import resources

from .records import TOKENS

# LiteLLM's per-token fields tokenscope reads; a tier suffix may follow the base name.
BASE_FIELDS = (
    "input_cost_per_token",
    "cache_creation_input_token_cost",
    "cache_creation_input_token_cost_above_1hr",
    "cache_read_input_token_cost",
    "output_cost_per_token",
)
# Long-context tiers: above the threshold the *whole request* bills at the tier's
# rates, decided once per request (tokscale #862, ccusage bills per bucket: wrong).
TIERS = (("_above_200k_tokens", 200_000), ("_above_100k_tokens", 100_000))
THRESHOLDS = sorted(th for _suffix, th in TIERS)  # bisect_left(.., n) = how many thresholds n exceeds
_THRESHOLDS = THRESHOLDS
# Standard multipliers of the input price, used only to fill cache rates a user's
# own price entry leaves out (pricing.md: 5m write 1.25x, 1h write 2x, read 0.1x).
DERIVE = {
    "cache_creation_input_token_cost": 1.25,
    "cache_creation_input_token_cost_above_1hr": 2.0,
    "cache_read_input_token_cost": 0.1,
}

PICO = 10**12  # money is counted in integer pico-dollars
# Per-token rates of one request, in pico-dollars, in the order of BASE_FIELDS (priced.Costs follows it too).
Rates = namedtuple("Rates", TOKENS)
_DATE_SUFFIX = re.compile(r"(?:-|@)\d{8}$")
_BEDROCK_VERSION = re.compile(r"-v\d+(?::\d+)?$")
_REGION_PREFIX = re.compile(r"^(?:(?:us|eu|apac|global|jp|au)\.)?anthropic\.")


def table_bytes():
    """The built-in price table's bytes (py_core/core/prices.json: the one price table)."""
    return resources.files(__package__).joinpath("prices.json").read_bytes()


def table_path():
    """Where the built-in table is on disk (the status line stats it instead of reading it)."""
    import os
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "prices.json")


class PriceFileError(ValueError):
    """A price file is malformed; the message names the file and the field."""

    def __init__(self, origin, field, problem):
        super().__init__(f"{origin}: {field}: {problem}")
        self.origin = origin
        self.field = field


def normalise_model(model):
    """Strip what does not change the price: `[1m]`, a date suffix, Bedrock/Vertex wrapping.

    Deliberately no substring or prefix matching: `claude-opus-4-7` must never
    match `claude-opus-4` (ccusage #934: fuzzy matching overcharged 5x).
    """
    m = model.strip().lower()
    if m.endswith("[1m]"):
        m = m[:-4]
    m = _REGION_PREFIX.sub("", m)
    m = _BEDROCK_VERSION.sub("", m)
    m = _DATE_SUFFIX.sub("", m)
    return m


# A user's price file is untrusted (issue 10: rates like 1e300 overflowed into a traceback): a per-token rate
# above $0.01 ($10,000 per million tokens, 130x the dearest list price), a search fee above $100 or a fast-mode
# multiplier above 100 is refused with the file and field named.
MAX_RATE = 0.01
MAX_SEARCH_FEE = 100.0
MAX_MULTIPLIER = 100.0


def _is_rate(v, cap=MAX_RATE):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= cap


def _validate_model(origin, name, entry, require_base):
    where = f"models.{name}"
    if not isinstance(entry, dict):
        raise PriceFileError(origin, where, "expected an object of LiteLLM price fields")
    for key, value in entry.items():
        if key.endswith("cost_per_token") or "_token_cost" in key or key.startswith(
            ("input_cost_per_token", "output_cost_per_token")
        ):
            if not _is_rate(value):
                raise PriceFileError(origin, f"{where}.{key}",
                                     f"expected a number from 0 to {MAX_RATE} (USD per token), got {value!r}")
    if require_base:
        for key in ("input_cost_per_token", "output_cost_per_token"):
            if key not in entry:
                raise PriceFileError(origin, f"{where}.{key}", "missing (a new model needs input and output prices)")
    fm = entry.get("fast_mode_multiplier")
    if fm is not None and not (_is_rate(fm, MAX_MULTIPLIER) and fm > 0):
        raise PriceFileError(origin, f"{where}.fast_mode_multiplier",
                             f"expected a number above 0, at most {MAX_MULTIPLIER:g}, got {fm!r}")
    sc = entry.get("search_context_cost_per_query")
    if sc is not None and not _is_rate(sc, MAX_SEARCH_FEE):
        if not isinstance(sc, dict) or not all(_is_rate(v, MAX_SEARCH_FEE) for v in sc.values()):
            raise PriceFileError(
                origin, f"{where}.search_context_cost_per_query", f"expected a number or an object of numbers, got {sc!r}"
            )
    changes = entry.get("price_changes")
    if changes is not None:
        if not isinstance(changes, list):
            raise PriceFileError(origin, f"{where}.price_changes", "expected a list")
        for i, ch in enumerate(changes):
            f = f"{where}.price_changes[{i}]"
            if not isinstance(ch, dict) or not isinstance(ch.get("effective_from"), str) or not re.fullmatch(
                r"\d{4}-\d{2}-\d{2}", ch["effective_from"]
            ):
                raise PriceFileError(origin, f + ".effective_from", "expected a date YYYY-MM-DD")
            for k, v in ch.items():
                if k == "fast_mode_multiplier":  # a dated multiplier (issue 23: Opus 4.6's preview price)
                    if not (_is_rate(v, MAX_MULTIPLIER) and v > 0):
                        raise PriceFileError(origin, f"{f}.{k}",
                                             f"expected a number above 0, at most {MAX_MULTIPLIER:g}, got {v!r}")
                elif k != "effective_from" and not _is_rate(v):
                    raise PriceFileError(origin, f"{f}.{k}",
                                         f"expected a number from 0 to {MAX_RATE} (USD per token), got {v!r}")


class PriceTable:
    """Model prices; `rates()` answers per request, cached per distinct situation."""

    def __init__(self, data, origins=("built-in",)):
        meta = data.get("_tokenscope", {})
        self.version = meta.get("table_version", "unknown")
        self.geo_multipliers = dict(meta.get("inference_geo_multipliers", {"us": 1.1}))
        self.default_search = meta.get("default_search_cost_per_query", 0.01)
        self.models = {k: dict(v) for k, v in data.get("models", {}).items()}
        self.aliases = dict(data.get("aliases", {}))
        self.origins = tuple(origins)
        self.derived = []  # (model, field) filled from the standard multipliers
        self._resolve_cache = {}
        self._rate_cache = {}
        self._request_cache = {}

    @classmethod
    def builtin(cls):
        return cls(json.loads(table_bytes()))

    def with_overrides(self, data, origin):
        """A new table: `data` extends or overrides this one, field by field.

        Accepts tokenscope's own shape ({"models": {...}, "aliases": {...}}) or a
        bare LiteLLM map ({"model-id": {fields}}), so LiteLLM's file works as is.
        """
        if not isinstance(data, dict):
            raise PriceFileError(origin, "(top level)", "expected a JSON object")
        if "models" in data or "aliases" in data:
            models = data.get("models", {})
            aliases = data.get("aliases", {})
            if not isinstance(models, dict):
                raise PriceFileError(origin, "models", "expected an object mapping model ids to prices")
            if not isinstance(aliases, dict) or not all(isinstance(v, str) for v in aliases.values()):
                raise PriceFileError(origin, "aliases", "expected an object mapping model ids to model ids")
        else:
            models = {k: v for k, v in data.items() if k != "sample_spec" and not k.startswith("_")}
            aliases = {}
        new = PriceTable({"models": self.models, "aliases": self.aliases}, self.origins + (origin,))
        new.version, new.geo_multipliers, new.default_search = self.version, self.geo_multipliers, self.default_search
        new.derived = list(self.derived)
        for name, entry in models.items():
            key = name.lower()
            _validate_model(origin, name, entry, require_base=key not in new.models)
            merged = dict(new.models.get(key, {}))
            merged.update(entry)
            for field, mult in DERIVE.items():
                if field not in merged:
                    merged[field] = merged["input_cost_per_token"] * mult
                    new.derived.append((key, field))
            new.models[key] = merged
        for a, target in aliases.items():
            # Issue 30: an alias that could never apply was silently ignored — one keyed by a model the table prices
            # (the model's own prices win) or one pointing at a model with no price.
            if a.lower() in new.models:
                raise PriceFileError(origin, f"aliases.{a}", "is a model with its own prices, which an alias cannot "
                                                             "replace: give its prices under \"models\" instead")
            if target.lower() not in new.models:
                raise PriceFileError(origin, f"aliases.{a}", f"points at {target!r}, which has no price")
            new.aliases[a.lower()] = target.lower()
        return new

    def resolve(self, model):
        """The table's model id for a log's model id, or None (then it is unpriced)."""
        hit = self._resolve_cache.get(model, False)
        if hit is not False:
            return hit
        found = None
        for cand in (model.lower(), normalise_model(model)):
            if cand in self.models:
                found = cand
                break
            target = self.aliases.get(cand)
            if target in self.models:
                found = target
                break
        self._resolve_cache[model] = found
        return found

    def request_rates(self, model, day, prompt_tokens, speed, geo):
        """(rates, None) for a request as `rates` gives them, or (None, the unpriced label).

        Memoised on what the answer depends on: the model as logged, the UTC day, which tier thresholds the
        prompt passes, speed and geo (issue 4: one dict lookup per request in the report).
        """
        key = (model, day, bisect.bisect_left(_THRESHOLDS, prompt_tokens), speed, geo)
        hit = self._request_cache.get(key)
        if hit is None:
            canonical = self.resolve(model)
            if canonical is None:
                hit = (None, model)
            else:
                found = self.rates(canonical, day, prompt_tokens, speed, geo)
                hit = (found, None) if found is not None else (None, f"{model} (fast mode: no published price)")
            self._request_cache[key] = hit
        return hit

    def rates(self, canonical, day, prompt_tokens, speed, geo):
        """Per-token (input, write 5m, write 1h, read, output) and the web-search fee, in pico-dollars.

        Integers (1e-12 USD; every list price is a whole number of them, multipliers included) make sums
        exact and independent of order, so merged partial reports equal the single pass to the last digit.

        Returns None when the situation has no known price (fast mode on a model
        without a fast price): the caller lists it as unpriced, never guesses.
        """
        entry = self.models[canonical]
        tier = ""
        for suffix, threshold in TIERS:
            if ("input_cost_per_token" + suffix) in entry and prompt_tokens > threshold:
                tier = suffix
                break
        eff = ""
        changes = entry.get("price_changes")
        if changes:
            # Only the date matters, and only when the model has dated changes.
            eff = max((c["effective_from"] for c in changes if c["effective_from"] <= day), default="")
        key = (canonical, tier, eff, speed == "fast", geo)
        hit = self._rate_cache.get(key)
        if hit is not None or key in self._rate_cache:
            return hit
        fields = dict(entry)
        if changes:
            for c in sorted(changes, key=lambda c: c["effective_from"]):
                if c["effective_from"] <= eff:
                    fields.update({k: v for k, v in c.items() if k != "effective_from"})
        mult = 1.0
        result = None
        if speed == "fast":
            fm = fields.get("fast_mode_multiplier")
            mult = fm if fm else None
        if mult is not None:
            mult *= self.geo_multipliers.get(geo, 1.0) if isinstance(geo, str) else 1.0
            out = []
            for f in BASE_FIELDS:
                rate = fields.get(f + tier, fields.get(f)) if tier else fields.get(f)
                out.append(round(rate * mult * PICO))
            sc = fields.get("search_context_cost_per_query", self.default_search)
            if isinstance(sc, dict):
                sc = sc.get("search_context_size_medium", self.default_search)
            result = (Rates(*out), round(sc * PICO))
        self._rate_cache[key] = result
        return result
