"""`python -m everyside` is the `everyside` command."""

from everyside.cli import main

if __name__ == "__main__":  # not when a spawned process (the assigner) re-imports this module
    main()
