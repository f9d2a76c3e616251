"""Shared plumbing of the command line: the root app, global options, settings and store."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from everyside.errors import EverysideError
from everyside.settings import Settings, load_settings

if TYPE_CHECKING:  # the store (SQLAlchemy, Alembic) loads when a command first opens it, so
    # that `everyside --help` and the commands without a database start fast
    from everyside.store import Store


def _flags_show_no_type() -> None:
    """A flag takes no value, so its help line shows no type: typer 0.2x prints `<bool>` beside
    every flag (`--help <bool>`), which reads as if the flag wanted a value."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "everyside", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        if self.is_flag and not self.count:
            return None
        return shown(self, ctx)

    display_type_rich.everyside = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_show_no_type()
app = typer.Typer(
    name="everyside",
    help="See every side of every news story, on your own machine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


@dataclass
class CliState:
    config_file: str | None = None
    cli_values: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None
    _store: Store | None = None

    def settings(self, **more: Any) -> Settings:
        if more:
            self.cli_values.update({k: v for k, v in more.items() if v is not None})
            self._settings = None
        if self._settings is None:
            self._settings = load_settings(self.config_file, cli=self.cli_values)
        return self._settings

    def store(self, migrate: bool | None = None) -> Store:
        if self._store is None:
            from everyside.store import open_store

            self._store = open_store(self.settings().db_url, migrate=migrate)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj


@app.callback()
def _root(
    ctx: typer.Context,
    config: str | None = typer.Option(None, "--config", help="Config file (TOML)."),
    data_dir: str | None = typer.Option(None, "--data-dir", help="Data directory."),
    database_url: str | None = typer.Option(None, "--database-url", help="SQLAlchemy URL."),
    log_level: str | None = typer.Option(None, "--log-level", help="DEBUG, INFO, WARNING."),
    verbose: int = typer.Option(
        0,
        "--verbose",
        "-v",
        count=True,
        help="-v: one log line per HTTP request; -vv: HTTP connection details too.",
    ),
) -> None:
    st = CliState(
        config_file=config,
        cli_values={
            k: v
            for k, v in {
                "data_dir": data_dir,
                "database_url": database_url,
                "log_level": log_level,
            }.items()
            if v is not None
        },
    )
    ctx.obj = st
    ctx.call_on_close(st.close)
    configure_logging(st.settings().log_level, verbose)


def configure_logging(level_name: str, verbose: int = 0) -> None:
    """The root logger at `log_level`; the HTTP client's per-request lines only with -v.

    httpx logs every request at INFO (10,000 lines for one round over 10,000 feeds) and
    httpcore every connection step at DEBUG: both stay at WARNING unless asked for."""
    level = level_name.upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Alembic narrates every start at INFO; its news matters only when debugging.
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    http = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.getLogger("httpx").setLevel(http)
    logging.getLogger("httpcore").setLevel(http if verbose > 1 else logging.WARNING)
    if verbose and logging.getLogger().level > http:
        logging.getLogger().setLevel(http)


# Optional dependencies (pyproject extras): the module a command needs -> the extra bringing it.
EXTRAS = {
    "sklearn": "eval",
    "rouge_score": "eval",
    "pyarrow": "parquet",
    "pycountry": "build",
    "psycopg": "postgres",
}


def run_app(application: typer.Typer) -> int:
    """Run the CLI; turn our errors into one clear line on stderr and exit code 1."""
    try:
        # without standalone mode click returns a `typer.Exit(code)`'s code instead of exiting
        code = application(standalone_mode=False)
    except EverysideError as e:
        err_console.print(f"[red]error:[/red] {e}", highlight=False)
        return 1
    except ModuleNotFoundError as e:
        extra = EXTRAS.get((e.name or "").split(".")[0])
        if extra is None:
            raise
        err_console.print(
            f"[red]error:[/red] this command needs {e.name}, which the default install leaves "
            f"out; install it with: pip install 'everyside[{extra}]'",
            highlight=False,
        )
        return 1
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except SystemExit as e:
        return int(e.code or 0) if not isinstance(e.code, str) else 1
    except Exception as e:  # click usage errors
        import click

        if isinstance(e, click.ClickException):
            e.show()
            return e.exit_code
        raise
    return code if isinstance(code, int) else 0
