"""The explorer's pictures as numbers: map shapes with their shade, chart lines with their points.

Pure functions over counts and the shipped geometry; the templates turn the result into
SVG, so every label is escaped by Jinja and the picture needs no JavaScript.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from i18n import N_

GEOMETRY = Path(__file__).resolve().parent / "geo" / "us-albers.json"
# ColorBrewer "Blues" (colour-blind safe, prints in grey); the empty class stays near-white.
SHADES = ("#f4f4f2", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b")
BINS = (0, 1, 5, 10, 25, 50, 100, 200)  # lower bounds: 0, 1–4, 5–9, … 200+
COUNTY_BINS = (0, 1, 2, 3, 4, 6, 10, 15)  # a county rarely holds more than a handful
# Labels in English; the templates say them in the reader's language.
SERIES = (("total", N_("All agreements")), ("JEM", N_("Jail Enforcement (JEM)")), ("TFM", N_("Task Force (TFM)")),
          ("WSO", N_("Warrant Service (WSO)")))
_COUNTY_WORDS = re.compile(r"\b(county|parish|borough|census area|city and borough|municipality)\b")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


@cache
def geometry() -> dict:
    return json.loads(GEOMETRY.read_text())


def shade(count: int, bins: tuple[int, ...] = BINS) -> str:
    index = max(i for i, low in enumerate(bins) if count >= low)
    return SHADES[index]


def legend(bins: tuple[int, ...] = BINS) -> list[dict]:
    items = []
    for i, low in enumerate(bins):
        high = bins[i + 1] - 1 if i + 1 < len(bins) else None
        span = f"{low}+" if high is None else (f"{low}" if low == high else f"{low}–{high}")
        label = N_("none") if low == 0 else span
        items.append({"fill": SHADES[i], "label": label})
    return items


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    d: str
    fill: str
    count: int
    href: str | None


def state_map(counts: dict[str, int], names: dict[str, str]) -> dict:
    """One shape per state in the shipped geometry, shaded by its agreements."""
    shapes = [Shape(code, names.get(code, s["name"]), s["d"], shade(counts.get(code, 0)), counts.get(code, 0),
                    f"/state/{code}")
              for code, s in sorted(geometry()["states"].items())]
    return {"view_box": f"0 0 {geometry()['width']} {geometry()['height']}", "shapes": shapes, "legend": legend()}


def county_key(name: str | None) -> str:
    """`St. Lucie County` and `St. Lucie`, `Orleans Parish` and `Orleans`: one key."""
    text = (name or "").lower().replace("saint ", "st ").replace("ste. ", "ste ")
    return _NOT_WORD.sub(" ", _COUNTY_WORDS.sub(" ", text)).strip()


def county_map(state: str, counts: dict[str, int]) -> dict | None:
    """The state's counties shaded by agreements (keys from `county_key`); None where no geometry ships."""
    counties = [c for c in geometry()["counties"].values() if c["state"] == state]
    outline = geometry()["states"].get(state)
    if not counties or outline is None:
        return None
    x0, y0, x1, y1 = outline["bbox"]
    pad = max(x1 - x0, y1 - y0) * 0.02
    shapes = [Shape(county_key(c["name"]), c["name"], c["d"], shade(counts.get(county_key(c["name"]), 0), COUNTY_BINS),
                    counts.get(county_key(c["name"]), 0), None)
              for c in sorted(counties, key=lambda c: c["name"])]
    return {"view_box": f"{x0 - pad:.1f} {y0 - pad:.1f} {x1 - x0 + 2 * pad:.1f} {y1 - y0 + 2 * pad:.1f}",
            "shapes": shapes, "legend": legend(COUNTY_BINS), "stroke": max(x1 - x0, y1 - y0) / 600}


def nice_step(span: float, ticks: int = 5) -> int:
    raw = max(span / ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def line_chart(weeks: list[dict], width: int = 560, height: int = 280) -> dict | None:
    """Weekly counts as lines (all agreements and each model) with one point per week."""
    if not weeks:
        return None
    left, right, top, bottom = 52, 20, 14, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max(w["agreements"] for w in weeks)
    step = nice_step(highest)
    y_max = max(step * math.ceil(highest / step), step)

    def x(i: int) -> float:
        return left + (plot_w / 2 if len(weeks) == 1 else plot_w * i / (len(weeks) - 1))

    def y(value: int) -> float:
        return top + plot_h * (1 - value / y_max)

    lines = []
    for key, label in SERIES:
        values = [w["agreements"] if key == "total" else w["models"].get(key, 0) for w in weeks]
        points = [(round(x(i), 1), round(y(v), 1)) for i, v in enumerate(values)]
        lines.append({"key": key, "label": label, "d": "M" + "L".join(f"{px},{py}" for px, py in points),
                      "last": values[-1]})
    points = [{"x": round(x(i), 1), "y": round(y(w["agreements"]), 1), "week": w["week"], "as_of": w["as_of"],
               "agreements": w["agreements"], "agencies": w["agencies"], "models": w["models"]}
              for i, w in enumerate(weeks)]
    y_ticks = [{"y": round(y(v), 1), "value": v, "label": f"{v:,}"} for v in range(0, y_max + 1, step)]
    every = max(1, math.ceil(len(weeks) / 6))
    x_ticks = [{"x": round(x(i), 1), "label": w["week"]} for i, w in enumerate(weeks) if i % every == 0]
    return {"width": width, "height": height, "left": left, "right": width - right, "top": top,
            "bottom": height - bottom, "lines": lines, "points": points, "y_ticks": y_ticks, "x_ticks": x_ticks}
