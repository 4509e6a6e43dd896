"""How long after ICE publishes a signing a watching Slack channel hears of it, on the default schedule.

Run: `.venv/bin/python benchmarks/bench_latency.py [CYCLES]`. A loopback ICE stand-in serves a real
participating workbook; after a first (baseline) cycle, it publishes the next real workbook, which
holds new signings. Each measured cycle is what `run` does on every scheduled ICE crawl
(`service.jobs.crawl_and_alert`: the crawl subprocess, then alerts at once) with the default
settings (CRAWL_DELAY included), timed from its start until the loopback Slack stand-in has the
message. The wait for the crawl is not slept through: the default ICE_CRAWL_CRON and
ICE_CRAWL_JITTER are laid out over a week with APScheduler's own trigger, ICE publishes at a
random moment, and the wait until the next crawl is added to a measured cycle. Prints the worst
case (interval + jitter + slowest cycle), and the median and 95th percentile of the simulation,
against the 6-minute budget and the 10-minute goal.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

import settings  # noqa: E402
from service.crontab import cron_trigger, longest_gap  # noqa: E402
from service.jobs import crawl_and_alert  # noqa: E402
from storage.db import connect  # noqa: E402
from tests.support.alert_servers import TOKEN, running_slack  # noqa: E402
from tests.support.mirror import Mirror  # noqa: E402
from tests.support.tracker import PAGE_PATH, publish, sheet  # noqa: E402

CYCLES = int(sys.argv[1]) if len(sys.argv) > 1 else 3
CHANNEL = "#everywhere"
BUDGET = dt.timedelta(minutes=6)
GOAL = dt.timedelta(minutes=10)
# Consecutive real publications of June 2025: the second adds signings in several states.
BEFORE, AFTER = ("20250605_151847_participating", "participatingAgencies06042025am.xlsx"), \
    ("20250608_151716_participating", "participatingAgencies06062025am.xlsx")


def arrival(slack, already: int, timeout: float = 300) -> float:
    """The monotonic time at which the channel's next message arrived (polled every 10 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(slack.posts(CHANNEL)) > already:
            return time.monotonic()
        time.sleep(0.01)
    raise SystemExit("no Slack message arrived")


def one_cycle(mirror: Mirror, slack, home: Path) -> float:
    """Seconds from the start of a scheduled crawl that finds new signings to the Slack message."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SMTP_", "DATABASE_", "ICE_CRAWL"))}
    env.update(DATABASE_URL=f"sqlite:///{home / 'tracker.db'}", DATA_DIR=str(home / "data"),
               ICE_287G_URL=mirror.url(PAGE_PATH), FETCH_MOAS="false", SUBSCRIPTIONS_FILE=str(home / "subs.toml"),
               SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=slack.url, PYTHONPATH=str(ROOT))
    (home / "subs.toml").write_text(f'[[slack]]\nchannel = "{CHANNEL}"\nstates = ["*"]\n')
    os.environ.clear()
    os.environ.update(env)  # the crawl subprocess reads its settings from the environment, as under `run`
    config = settings.load(env, dotenv=None)
    sessions = connect(config.database_url)
    publish(mirror, sheet(BEFORE[0]), participating_name=BEFORE[1])
    crawl_and_alert(config, sessions)  # baseline: the channel is greeted, nothing else
    publish(mirror, sheet(AFTER[0]), participating_name=AFTER[1])
    seen = len(slack.posts(CHANNEL))
    start = time.monotonic()
    arrived: list[float] = []
    watcher = threading.Thread(target=lambda: arrived.append(arrival(slack, seen)), daemon=True)
    watcher.start()
    code = crawl_and_alert(config, sessions)
    watcher.join()
    sessions.kw["bind"].dispose()
    if code != 0 or "New agreement" not in str(slack.posts(CHANNEL)[-1]):
        raise SystemExit(f"the cycle did not alert the new signings (exit {code})")
    return arrived[0] - start


def crawl_starts(defaults: settings.TrackerSettings, days: int = 7) -> list[dt.datetime]:
    """When scheduled crawls would start over `days`, jitter drawn by APScheduler's trigger as `run` does."""
    plain = cron_trigger(defaults.ice_crawl_cron, dt.UTC)
    jittered = cron_trigger(defaults.ice_crawl_cron, dt.UTC, defaults.ice_crawl_jitter)
    start = dt.datetime(2026, 10, 5, tzinfo=dt.UTC)
    base = plain.get_next_fire_time(None, start)
    moments = []
    while base < start + dt.timedelta(days=days):
        moments.append(jittered.get_next_fire_time(None, base))
        base = plain.get_next_fire_time(base, base + dt.timedelta(seconds=1))
    return moments


def main() -> None:
    defaults = settings.TrackerSettings()
    mirror = Mirror()
    cycles = []
    saved = dict(os.environ)
    try:
        with running_slack() as slack:
            for _ in range(CYCLES):
                with tempfile.TemporaryDirectory(prefix="tracker-latency-") as home:
                    cycles.append(one_cycle(mirror, slack, Path(home)))
    finally:
        os.environ.clear()
        os.environ.update(saved)
        mirror.close()
    starts = crawl_starts(defaults)
    rng = random.Random(287)
    span = (starts[0], starts[-2])
    latencies = []
    for _ in range(20_000):
        published = span[0] + (span[1] - span[0]) * rng.random()
        following = starts[bisect.bisect_right(starts, published)]
        latencies.append((following - published).total_seconds() + rng.choice(cycles))
    interval = longest_gap(cron_trigger(defaults.ice_crawl_cron, dt.UTC), dt.UTC)
    worst = interval.total_seconds() + defaults.ice_crawl_jitter + max(cycles)
    quantiles = statistics.quantiles(latencies, n=20)
    print(f"default schedule: ICE_CRAWL_CRON={defaults.ice_crawl_cron!r}, "
          f"ICE_CRAWL_JITTER={defaults.ice_crawl_jitter} s, CRAWL_DELAY={defaults.crawl_delay} s")
    print(f"crawl → Slack cycle (measured {len(cycles)}×): median {statistics.median(cycles):.1f} s, "
          f"max {max(cycles):.1f} s")
    print(f"publication → Slack: median {statistics.median(latencies) / 60:.1f} min, "
          f"95th percentile {quantiles[-1] / 60:.1f} min, worst simulated {max(latencies) / 60:.1f} min")
    print(f"worst case (interval {interval.total_seconds():.0f} s + jitter {defaults.ice_crawl_jitter} s + slowest "
          f"cycle): {worst / 60:.1f} min; budget {BUDGET.total_seconds() / 60:.0f} min "
          f"({'met' if worst <= BUDGET.total_seconds() else 'MISSED'}), goal {GOAL.total_seconds() / 60:.0f} min")


if __name__ == "__main__":
    main()
