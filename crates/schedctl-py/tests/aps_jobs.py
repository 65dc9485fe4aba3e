"""Module-level job functions, importable by reference ("aps_jobs:report"), for the job store
round trip: APScheduler pickles a job's function as a reference."""


def report(*args, **kwargs):
    return "report"


def sync():
    return "sync"


class Tasks:
    @staticmethod
    def cleanup():
        return "cleanup"
