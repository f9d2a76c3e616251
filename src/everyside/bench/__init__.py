"""Benchmarks and evaluations: `everyside bench ...` and `everyside eval ...`.

Nothing here runs in the product: these modules measure it (speed on synthetic data, quality on
the labelled files under ../shared/data). They register their commands on the `bench` and
`eval` groups of `everyside.bench.commands`, which the command line mounts.
"""
