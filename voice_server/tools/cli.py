"""The ``shepherd`` command-line tool.

Every command reads the same settings (environment variables, see ``shepherd config``) and,
where it needs storage, starts or joins the same embedded Postgres and Valkey under the state
directory, so ``shepherd chat`` runs beside ``shepherd serve``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from voice_server.platform.logs import configure_logging
from voice_server.platform.settings import Settings, get_settings
from voice_server.tools import cli_operators as operators

T = TypeVar("T")


def _run(coro_fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(coro_fn())


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default=None,
              help="Override SHEPHERD_LOG_LEVEL.")
@click.pass_context
def main(ctx: click.Context, log_level: str | None) -> None:
    """Style Shepherd: a real-time voice shopping assistant for fashion.

    \b
    Quick start:
      shepherd serve              serve on http://127.0.0.1:8080 (embedded Postgres + Valkey)
      shepherd chat               talk to the assistant by typing (same engine, same state)
      shepherd replay FILE.wav    stream an audio file over the websocket like a client
      shepherd config             show the effective settings (secrets masked)
      shepherd orders list        operators: orders, ship them (orders fulfil N)
      shepherd returns list       operators: returns, receive (refund) or reject them

    Settings come from environment variables; see docs/configuration.md.
    """
    settings = get_settings()
    level = log_level or settings.log_level
    console = ctx.invoked_subcommand in {"chat", "replay", "bench", "catalog", "config", "services", "migrate",
                                         "orders", "returns", "train"}
    configure_logging(level if not console or log_level else "warning", "console" if console else settings.log_format)
    ctx.obj = settings


@main.command()
@click.option("--host", default=None, help="Bind address (default SHEPHERD_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default SHEPHERD_PORT or 8080).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the REST API, the voice websocket and the widget until SIGINT/SIGTERM.

    The first signal drains the node (docs/scaling.md): /readyz 503, new sessions refused, turns in
    flight finish, sessions get their resume token and close 1001; then the process exits 0.
    """
    from voice_server.app import create_app
    from voice_server.tools.serving import serve as serve_app

    settings = _settings(ctx)
    app = create_app(settings)
    _run(lambda: serve_app(
        app, host or settings.host, port if port is not None else settings.port,
        drain_timeout_s=settings.drain_timeout_s, echo=lambda msg: click.echo(msg, err=True),
    ))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--markdown", is_flag=True, help="Print the documentation table of every setting.")
@click.pass_context
def config(ctx: click.Context, as_json: bool, markdown: bool) -> None:
    """Print the effective settings with secrets masked."""
    if markdown:
        from voice_server.platform.settings import markdown_table

        click.echo(markdown_table(), nl=False)
        return
    values = _settings(ctx).masked()
    if as_json:
        click.echo(json.dumps(values, indent=2, default=str))
        return
    width = max(len(k) for k in values)
    for key, value in values.items():
        click.echo(f"{key.ljust(width)}  {value}")


@main.command()
@click.option("--catalog", "load_catalog", is_flag=True,
              help="Also load the demo catalog (or SHEPHERD_CATALOG_FILE) into an empty database.")
@click.pass_context
def migrate(ctx: click.Context, load_catalog: bool) -> None:
    """Apply pending database migrations (also done at every start; a one-shot job in docker/compose.yaml)."""
    from voice_server.platform.backends import open_backends

    async def go() -> None:
        backends = await open_backends(_settings(ctx), load_catalog=load_catalog)
        await backends.close()

    _run(go)
    click.echo("database is up to date")


@main.group()
def catalog() -> None:
    """Manage the product catalog."""


@catalog.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--strict", is_flag=True, help="Import nothing if any row is rejected.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def catalog_import(ctx: click.Context, file: Path, strict: bool, as_json: bool) -> None:
    """Import FILE (CSV or JSONL, optionally .gz; format in docs/catalog.md).

    Rows are validated first; rejected rows are reported with line and reason. Valid rows are
    upserted by external_id in one transaction: an import lands whole or not at all.
    """
    from tqdm import tqdm

    from commerce.catalog.importer import CatalogImportError, import_records, read_rows, validate_rows
    from voice_server.platform.backends import open_backends

    try:
        records, rejected = validate_rows(read_rows(file))
    except CatalogImportError as exc:
        raise click.ClickException(str(exc)) from exc

    async def go() -> dict[str, Any]:
        backends = await open_backends(_settings(ctx), load_catalog=False)
        try:
            if strict and rejected:
                return {"imported": 0, "variants": 0, "brands": 0, "aborted": True}
            with tqdm(total=len(records), unit="product", disable=as_json, file=sys.stderr) as bar:
                report = await import_records(backends.pool, records, bar.update)
            return report.as_dict()
        finally:
            await backends.close()

    result = _run(go)
    result["rejected"] = [{"line": n, "reason": r} for n, r in rejected]
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        click.echo(f"imported {result['imported']} products ({result['variants']} variants), "
                   f"rejected {len(rejected)} rows")
        for item in result["rejected"][:50]:
            click.echo(f"  line {item['line']}: {item['reason']}")
        if len(rejected) > 50:
            click.echo(f"  ... and {len(rejected) - 50} more (use --json for all)")
    if strict and rejected:
        sys.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per turn.")
@click.option("--conversation", "conversation_id", default=None, help="Continue this conversation id.")
@click.pass_context
def chat(ctx: click.Context, as_json: bool, conversation_id: str | None) -> None:
    """Talk to the assistant by typing: one line is one turn (same engine and state as the server)."""
    from commerce.models import ShopError
    from voice_server.tools.chat import run_chat

    try:
        _run(lambda: run_chat(_settings(ctx), as_json=as_json, conversation_id=conversation_id))
    except ShopError as exc:
        raise click.ClickException(exc.message) from exc


DEFAULT_RTR = Path("bench/data/renttherunway_fit.csv.gz")


@main.group()
def bench() -> None:
    """Benchmarks: JSON, plots and summary.md in bench/results/, and the README table.

    \b
      shepherd bench all [--quick]    everything below, then plots and tables (= make bench)
      shepherd bench commerce         search/recommendations at 11k and 100k, checkout, advice
      shepherd bench voice            voice-to-voice latency over fixtures/audio (real websocket)
      shepherd bench concurrency      simultaneous real-time shoppers, ramped
      shepherd bench asr-compare      our ASR vs WhisperLive (needs make bench-wl-venv)
      shepherd bench table            redraw the plots and the README table from the JSON
      shepherd bench fit | returns    RentTheRunway fit and return-risk quality

    Options after a benchmark's name go to its module (e.g. shepherd bench commerce --quick
    --sizes demo). Run from the source checkout; docs/performance.md explains the numbers.
    """


_PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}


def _source_checkout(package: str = "bench") -> None:
    """Put the source checkout on sys.path: ``bench`` and ``training`` are not installed."""
    root = Path(__file__).resolve().parents[2]
    if not (root / package / "__init__.py").exists():
        raise click.ClickException(f"{package}/ lives in the source checkout; run from there")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))


def _bench_module(module: str) -> Any:
    """Import ``bench.<module>`` from the source checkout (the benchmarks are not installed)."""
    import importlib

    _source_checkout()
    return importlib.import_module(f"bench.{module}")


def _bench_command(name: str, module: str, summary: str) -> None:
    @bench.command(name, context_settings=_PASS_THROUGH, help=f"{summary}\n\nArguments go to "
                   f"`python -m bench.{module}` (try: shepherd bench {name} --help).", short_help=summary)
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def command(args: tuple[str, ...]) -> None:
        sys.exit(_bench_module(module).main(list(args)))


_bench_command("all", "run_all", "Run every benchmark, then the plots and the README table (make bench).")
_bench_command("commerce", "commerce_bench", "Search/recommendation, checkout, size advice, return risk.")
_bench_command("voice", "voice_latency", "Voice-to-voice latency through a real server and websocket.")
_bench_command("concurrency", "concurrency", "Simultaneous real-time shoppers, ramped until p95 > 1.5 s.")
_bench_command("asr-compare", "asr_compare", "Our streaming ASR side by side with WhisperLive.")
_bench_command("fit-returns", "fit_returns", "Fit and return-risk quality into bench/results/fit_returns.json.")


@bench.command("table")
def bench_table() -> None:
    """Redraw the plots and bench/results/summary.md, and refresh the README table."""
    for png, what in _bench_module("plots").render_all().items():
        click.echo(f"{png}: {what}")
    for path in _bench_module("readme_table").run():
        click.echo(f"wrote {path}")


def _bench_options(fn: Callable[..., None]) -> Callable[..., None]:
    fn = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(fn)
    fn = click.option("--seed", type=int, default=0, show_default=True, help="Shuffle seed.")(fn)
    fn = click.option("--data", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=DEFAULT_RTR,
                      show_default=True, help="RentTheRunway fit data (csv.gz).")(fn)
    return fn


@bench.command("fit")
@_bench_options
def bench_fit(data: Path, seed: int, as_json: bool) -> None:
    """Size/fit model on the RentTheRunway data: test macro AUC and accuracy vs baselines.

    Rows are shuffled with numpy.random.default_rng(SEED).permutation(n); the first 80 % train,
    the next 10 % validate, the last 10 % test.
    """
    _source_checkout()
    from training.fit_benchmark import format_fit_report, run_fit_benchmark

    result = run_fit_benchmark(data, seed)
    click.echo(json.dumps(result, indent=2) if as_json else format_fit_report(result))


@bench.command("returns")
@_bench_options
def bench_returns(data: Path, seed: int, as_json: bool) -> None:
    """Return-risk model on the RentTheRunway data, with "fit != fit" as the return proxy."""
    _source_checkout()
    from training.returns_benchmark import format_returns_report, run_returns_benchmark

    result = run_returns_benchmark(data, seed)
    click.echo(json.dumps(result, indent=2) if as_json else format_returns_report(result))


@main.group()
def train() -> None:
    """Retrain the served models (source checkout; writes versioned artifacts a running server reloads).

    \b
      shepherd train fit [--out PATH] [--seed N]       fit model: commerce/sizing/models/fit-model.json
      shepherd train returns [--out PATH] [--seed N]   return risk: commerce/return_risk/model.json
      ... --shop [--shop-weight W]                     RTR as the prior plus the shop's own orders,
                                                       returns and fit reviews (the server's database)

    Unreachable database with --shop: a one-line error and exit status 2 (docs/sizing.md).
    """


@train.command("fit", context_settings=_PASS_THROUGH)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def train_fit(args: tuple[str, ...]) -> None:
    """Fit model on RentTheRunway [+ the shop's outcomes: --shop] (python -m training.train_fit --help)."""
    import importlib

    _source_checkout("training")
    sys.exit(importlib.import_module("training.train_fit").main(list(args)))


@train.command("returns", context_settings=_PASS_THROUGH)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def train_returns(args: tuple[str, ...]) -> None:
    """Return-risk model on RentTheRunway [+ the shop's delivered lines: --shop] (python -m training.train_returns)."""
    import importlib

    _source_checkout("training")
    sys.exit(importlib.import_module("training.train_returns").main(list(args)))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--url", default=None, help="Voice websocket URL (default: serve the app in-process).")
@click.option("--token", default=None, help="Access token (default: a new guest).")
@click.option("--realtime", is_flag=True, help="Pace audio at real time (default: as fast as accepted).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Write each reply's audio to OUT/<file-stem>.reply.wav.")
@click.pass_context
def replay(ctx: click.Context, files: tuple[Path, ...], url: str | None, token: str | None,
           realtime: bool, as_json: bool, out_dir: Path | None) -> None:
    """Stream audio FILES (WAV/FLAC/MP3, any rate) over the voice websocket like a client."""
    from voice_server.tools.replay import replay as run_replay
    from voice_server.tools.replay import summary_line

    def emit(record: dict[str, Any]) -> None:
        click.echo(json.dumps(record, default=str) if as_json else summary_line(record))

    _run(lambda: run_replay(list(files), url=url, token=token, realtime=realtime, out_dir=out_dir,
                            settings=_settings(ctx), emit=emit))


@main.group()
def services() -> None:
    """Inspect or stop the embedded Postgres and Valkey."""


@services.command("status")
@click.pass_context
def services_status(ctx: click.Context) -> None:
    """Show whether the embedded services of the state dir are running."""
    from voice_server.platform.embedded import EmbeddedValkey

    settings = _settings(ctx)
    pid_file = settings.state_dir / "postgres" / "postmaster.pid"
    endpoint = EmbeddedValkey(settings.state_dir).endpoint() if settings.embedded_valkey else None
    click.echo(f"state dir : {settings.state_dir}")
    click.echo(f"postgres  : {'external' if not settings.embedded_postgres else ('running' if pid_file.exists() else 'stopped')}")
    click.echo(f"valkey    : {'external' if not settings.embedded_valkey else (f'running on port {endpoint.port}' if endpoint else 'stopped')}")


@services.command("stop")
@click.pass_context
def services_stop(ctx: click.Context) -> None:
    """Stop the embedded services of the state dir (data is kept)."""
    from voice_server.platform.embedded import EmbeddedValkey, stop_postgres

    settings = _settings(ctx)
    EmbeddedValkey(settings.state_dir).stop()
    stop_postgres(settings.state_dir)
    click.echo("stopped")


main.add_command(operators.orders)
main.add_command(operators.returns)

if __name__ == "__main__":
    main()
