"""The application's scheduler, built in code as most APScheduler users build it."""
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

BERLIN = ZoneInfo("Europe/Berlin")


def send_report():
    """Mails the nightly report."""


def sync_inventory():
    """Pulls the warehouse's stock levels."""


def rotate_logs():
    """Compresses yesterday's logs."""


def build_scheduler() -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=BERLIN,
        executors={"default": ThreadPoolExecutor(4), "io": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )
    # 02:30 does not exist on the last Sunday of March in Berlin: see what APScheduler does.
    scheduler.add_job(send_report, "cron", hour=2, minute=30, id="nightly-report")
    scheduler.add_job(
        sync_inventory, "interval", minutes=20, id="sync",
        # An interval counts from its start_date; without one it starts at "now + 20 min",
        # which moves every time the tests run.
        start_date=datetime(2027, 1, 1, tzinfo=BERLIN), executor="io",
    )
    scheduler.add_job(rotate_logs, "cron", day="last sun", hour=3, id="rotate-logs")
    return scheduler
