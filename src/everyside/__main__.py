"""`python -m everyside` is the `everyside` command."""

from everyside.cli import main

main()
