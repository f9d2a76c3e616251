"""The queues and exchanges of the distributed shape (kombu declarations)."""

from __future__ import annotations

from kombu import Exchange, Queue

INGEST, ASSIGN, ANALYSE, DEAD = (
    "everyside.ingest",
    "everyside.assign",
    "everyside.analyse",
    "everyside.dead",
)
WORK_QUEUES = (INGEST, ANALYSE)
# `everyside worker --queues`: "assign" is no queue but the assigner process (distributed/
# assigner.py), one lock holder in the system; a worker without it never assigns
QUEUE_NAMES = {"ingest": INGEST, "assign": ASSIGN, "analyse": ANALYSE}
EXCHANGE = Exchange("everyside", type="direct", durable=True)
DLX = Exchange("everyside.dlx", type="direct", durable=True)
DEAD_QUEUE = Queue(DEAD, DLX, routing_key="dead", durable=True)


def work_queue(name: str) -> Queue:
    return Queue(
        name,
        EXCHANGE,
        routing_key=name,
        durable=True,
        queue_arguments={"x-dead-letter-exchange": DLX.name, "x-dead-letter-routing-key": "dead"},
    )
