"""The one place that sequences the stages: fetch → extract → store → cluster → analyse.

The CLI, the ingest loop and the web's admin actions all call these functions; there is no
second copy of the pipeline anywhere.
"""
