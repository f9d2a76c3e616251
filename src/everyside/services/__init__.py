"""The application layer: what the adapters (web, cli, ingest) call.

Services sequence the pure domain code (`everyside.domain`) and the store's query functions
(`everyside.store`); they read no clock and no environment (time and settings are passed in).
`pipeline.py` is the one sequencer of import/ingest -> write -> cluster -> analyse -> summarise.
"""
