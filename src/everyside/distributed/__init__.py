"""The scale-out shape (issue 20): the pipeline as Celery tasks on RabbitMQ over PostgreSQL.

    poll feed ─▶ fetch + extract page ─▶ write article ─▶ assign (one at a time) ─▶ analyse
    (ingest queue)   (ingest queue)       (same task)      (the assigner process) (analyse queue)

Every stage calls the single-process pipeline's own functions (`ingest.round.Ingestor`, the
one write path, `services.pipeline`); this package only moves work between processes. Nothing
here is imported by `import everyside`, `everyside up` or `everyside serve` without
`--distributed`: Celery, kombu and redis are the optional `distributed` extra.

- `app`: the Celery application built from the settings (queues, dead-letter exchange,
  acks_late, prefetch 1) and the broker check that fails fast with a clear message.
- `politeness`: the per-host turns shared by every worker (a reservation in Redis).
- `deliveries`: the poison-message guard (tries that killed their process, counted in Redis).
- `tasks`: the tasks and the per-process runtime (store, ingestor, event loop).
- `worker`: `everyside worker` (Celery's worker, heartbeats, the assigner candidate).
- `assigner`: the assigner candidate process (one holds the PostgreSQL lock system-wide).
- `scheduler`: what `everyside up --distributed` runs instead of the ingest loop.
"""
