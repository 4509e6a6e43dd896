"""Turn us-atlas's pre-projected TopoJSON into the SVG paths the explorer draws.

Run once when the geometry is updated (`npm pack us-atlas`, then
`python web/geo/build_geometry.py package/counties-albers-10m.json`); the output,
`web/geo/us-albers.json`, ships in the repository, so the explorer needs no network, no
JavaScript and no build step. Coordinates are already projected (Albers USA, 975×610) by
us-atlas; this only decodes the arcs and rounds to a tenth of a unit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import us

OUTPUT = Path(__file__).resolve().parent / "us-albers.json"


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute coordinates of each arc (TopoJSON stores quantized deltas)."""
    scale_x, scale_y = topology["transform"]["scale"]
    shift_x, shift_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def path(geometry: dict, arcs: list[list[tuple[float, float]]]) -> tuple[str, list[float]]:
    """An SVG path `d` and its bounding box [x0, y0, x1, y1]."""
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    parts, xs, ys = [], [], []
    for polygon in polygons:
        for indices in polygon:
            points = [(round(x, 1), round(y, 1)) for x, y in ring(indices, arcs)]
            kept = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
            xs.extend(x for x, _ in kept)
            ys.extend(y for _, y in kept)
            parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in kept) + "Z")
    return "".join(parts), [min(xs), min(ys), max(xs), max(ys)]


def build(topology: dict) -> dict:
    arcs = decode_arcs(topology)
    states, counties = {}, {}
    for geometry in topology["objects"]["states"]["geometries"]:
        code = us.states.lookup(geometry["id"]).abbr
        d, box = path(geometry, arcs)
        states[code] = {"name": geometry["properties"]["name"], "d": d, "bbox": box}
    for geometry in topology["objects"]["counties"]["geometries"]:
        if "arcs" not in geometry:
            continue
        state = us.states.lookup(geometry["id"][:2])
        d, box = path(geometry, arcs)
        counties[geometry["id"]] = {"name": geometry["properties"]["name"], "state": state.abbr, "d": d, "bbox": box}
    return {
        "source": "us-atlas 3.0.1 (ISC licence, Michael Bostock), from the U.S. Census Bureau's cartographic "
                  "boundary files (public domain); Albers USA projection, 975x610",
        "width": 975, "height": 610, "states": states, "counties": counties,
    }


if __name__ == "__main__":
    OUTPUT.write_text(json.dumps(build(json.loads(Path(sys.argv[1]).read_text())), separators=(",", ":")))
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size:,} bytes)")
