"""APScheduler's own walk over a trigger's fires, as Job._get_run_times and the scheduler loop
call `trigger.get_next_fire_time(previous, now)`, with AndTrigger's endless loops reported
instead of entered.

AndTrigger and OrTrigger are evaluated here by their own code (same comparisons, same `min`,
`max` and `==` on the children's datetimes), with the children evaluated the same way, so that
an AndTrigger nested in an OrTrigger cannot hang the test either. Every other trigger is asked
directly.
"""
from datetime import timezone

from apscheduler.triggers.combining import AndTrigger, OrTrigger

UTC = timezone.utc


class AndLoops(Exception):
    """APScheduler 3.11's AndTrigger never returns: given a previous fire, its children
    disagree, and they ignore the raised `now`."""


class AndHangs(Exception):
    """AndTrigger without a previous fire whose children stop moving while they disagree (a
    date or calendarinterval child): APScheduler never returns."""


class TooLong(Exception):
    """The AndTrigger search took more steps than the budget (APScheduler may search to 9999)."""


def next_fire(trigger, prev, now, budget):
    if isinstance(trigger, AndTrigger):
        first = True
        while True:
            budget[0] -= 1
            if budget[0] < 0:
                raise TooLong()
            times = [next_fire(t, prev, now, budget) for t in trigger.triggers]
            if None in times:
                return None
            if min(times) == max(times):
                return trigger._apply_jitter(times[0], trigger.jitter, now)
            if prev is not None:
                raise AndLoops(prev)
            latest = max(times)
            if not first and latest.astimezone(UTC) == now.astimezone(UTC):
                raise AndHangs(now)
            first = False
            now = latest
    if isinstance(trigger, OrTrigger):
        times = [next_fire(t, prev, now, budget) for t in trigger.triggers]
        times = [t for t in times if t is not None]
        return trigger._apply_jitter(min(times), trigger.jitter, now) if times else None
    return trigger.get_next_fire_time(prev, now)


def walk(trigger, start, count, budget=20_000):
    """(fires, end): the first `count` raw fires from `start`, and why the walk ended: "count",
    "done" (no more fires), "loops" (AndLoops after the last fire), "hangs" or "toolong"."""
    fires, prev, now = [], None, start
    box = [budget]
    while len(fires) < count:
        try:
            nxt = next_fire(trigger, prev, now, box)
        except AndLoops:
            return fires, "loops"
        except AndHangs:
            return fires, "hangs"
        except TooLong:
            return fires, "toolong"
        if nxt is None:
            return fires, "done"
        fires.append(nxt)
        prev = now = nxt
    return fires, "count"


def canonical(dt, tz=None):
    """The same instant with the offset that `tz` (default: dt's own zone) really has then
    (a cron fire may be a wall time inside a DST gap)."""
    return dt.astimezone(UTC).astimezone(tz or dt.tzinfo)


def key(dt):
    """What must be equal: the instant (to the microsecond) and the UTC offset shown."""
    return (dt.astimezone(UTC), dt.utcoffset())
