"""`flask worker`: the queue's consumer (mail delivery, daily jobs), beside the web server."""

from __future__ import annotations

import logging

import click
from flask.cli import with_appcontext

from portal.queue import portal_queue


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Tasks run at the same time (threads).")
@with_appcontext
def worker_command(workers: int):
    """Run the task queue's consumer until stopped (Ctrl-C or SIGTERM)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    queue = portal_queue()
    # Whatever a consumer killed outright was sending, or the sweep has not reached yet, goes now.
    queue.deliver()
    consumer = queue.huey.create_consumer(
        workers=max(workers, 1), worker_type="thread", periodic=True, scheduler_interval=1, check_worker_health=True
    )
    consumer.run()
