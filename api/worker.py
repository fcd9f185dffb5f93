"""``yiwang worker``: an rq worker plus the scheduler tick (timers, stale-job recovery)."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


def run_worker(env, *, burst: bool = False) -> None:
    from rq import SimpleWorker

    class Worker(SimpleWorker):
        """rq's in-process worker without its pub/sub command channel.

        rq listens for remote commands (``rq.command.send_shutdown_command`` ...) on a
        thread that reads at most every 60 s, and joins it when the worker stops, so a
        SIGTERMed worker could take up to a minute to exit (rq issue #1613; seen as a
        worker not stopping within 30 s in the benchmark). yiwang workers are stopped
        with signals, and nothing here sends rq commands.
        """

        def subscribe(self) -> None:
            pass

        def unsubscribe(self) -> None:
            pass

    from engine import dispatch

    # Jobs run in this process (no fork per job) with this fully wired engine; a
    # worker killed mid-job leaves the job's lease to expire and it runs again.
    dispatch.use_worker_env(env)
    dispatcher = env.dispatcher
    queue = dispatcher.queue()
    stop = threading.Event()

    def scheduler() -> None:
        while not stop.is_set():
            try:
                dispatcher.run_scheduler_once()
            except Exception:  # noqa: BLE001 - the job table keeps the work; try again next tick
                log.exception("scheduler tick failed")
            stop.wait(env.config.poll_interval_s)

    if burst:
        dispatcher.run_scheduler_once()
    else:
        threading.Thread(target=scheduler, name="yiwang-scheduler", daemon=True).start()
    try:
        Worker([queue], connection=queue.connection).work(burst=burst)
    finally:
        stop.set()
