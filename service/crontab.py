"""Crontab expressions read the way crontab(5) reads them, for the service and for `status`.

APScheduler 3's `from_crontab` counts weekdays from Monday; crontab counts from Sunday=0
(7 is Sunday too), so weekday numbers are translated to names before building the trigger.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from settings import SettingsError

_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name.removeprefix(":"))
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"TZ={name!r}: not a time zone name like UTC or America/New_York") from None


def _weekday(text: str, expr: str) -> int:
    word = text.strip().lower()
    if word.isdigit() and 0 <= int(word) <= 7:
        return int(word)
    if word[:3] in _WEEKDAYS:
        return _WEEKDAYS.index(word[:3])
    raise ValueError(f"{text!r} is not a weekday in {expr!r}")


def crontab_weekdays(field: str) -> str:
    """The crontab day-of-week field (Sunday=0 or 7) as weekday names APScheduler reads unambiguously."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"step {step_text!r} in {field!r}")
        if body == "*":
            start, end = 0, 6
        elif "-" in body:
            low, high = body.split("-", 1)
            start, end = _weekday(low, field), _weekday(high, field)
            if end < start and end == 0:
                end = 7
            if end < start:
                raise ValueError(f"range {body!r} runs backwards in {field!r}")
        else:
            start = _weekday(body, field)
            end = 7 if step_text else start
        days.update(day % 7 for day in range(start, end + 1, step))
    if len(days) == 7:
        return "*"
    return ",".join(_WEEKDAYS[day] for day in sorted(days))


def cron_trigger(expr: str, timezone: dt.tzinfo, jitter: int = 0, setting: str = "cron") -> CronTrigger:
    """A CronTrigger for a 5-field crontab expression, read the way crontab(5) reads it."""
    fields = expr.split()
    if len(fields) != 5:
        raise SettingsError(f"{setting}={expr!r}: expected 5 crontab fields (minute hour day month weekday)")
    minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=crontab_weekdays(weekday),
                           timezone=timezone, jitter=jitter or None)
    except ValueError as exc:
        raise SettingsError(f"{setting}={expr!r}: {exc}") from None


def longest_gap(trigger: BaseTrigger, timezone: dt.tzinfo, samples: int = 8) -> dt.timedelta:
    """The longest wait between consecutive runs over the next few, e.g. Friday→Monday for weekdays."""
    if isinstance(trigger, IntervalTrigger):
        return trigger.interval
    now = dt.datetime.now(timezone)
    previous = trigger.get_next_fire_time(None, now)
    gap = dt.timedelta(0)
    for _ in range(samples):
        if previous is None:
            break
        following = trigger.get_next_fire_time(previous, previous + dt.timedelta(seconds=1))
        if following is None:
            break
        gap = max(gap, following - previous)
        previous = following
    return gap


def misfire_grace(trigger: BaseTrigger, timezone: dt.tzinfo) -> int:
    return max(int(longest_gap(trigger, timezone).total_seconds()), 60)
