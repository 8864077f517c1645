"""`todo bench ...`: the project's benchmarks. Each takes its own options (`--help` lists them)
and prints the data size, concurrency and machine beside every figure. They measure; they
assert nothing."""

from __future__ import annotations

import typer

from todo.commands import common

bench_app = typer.Typer(help="Benchmarks (measure, assert nothing).", no_args_is_help=True)
_PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


@bench_app.command(context_settings=_PASS_THROUGH, add_help_option=False)
def seed(ctx: typer.Context) -> None:
    """Rows per second of bulk seeding, on a fresh embedded PostgreSQL (or --database-url)."""
    from todo.bench import seed_scale

    seed_scale.main(list(ctx.args))


@bench_app.command(context_settings=_PASS_THROUGH, add_help_option=False)
def api(ctx: typer.Context) -> None:
    """Requests per second, latency and CPU per request of the HTTP API under wrk."""
    from todo.bench import api_load
    from todo.bench.server import ServerFailed
    from todo.bench.wrk import WrkFailed
    from todo.errors import DomainError

    try:
        code = api_load.main(list(ctx.args), common.settings_or_exit())
    except api_load.BenchRefused as error:
        common.fail(str(error), code=2)
    except (WrkFailed, ServerFailed, RuntimeError) as error:
        common.fail(str(error))
    except DomainError as error:
        common.fail(error.message)
    raise typer.Exit(code)


@bench_app.command(context_settings=_PASS_THROUGH, add_help_option=False)
def uow(ctx: typer.Context) -> None:
    """What the per-transaction identity costs: pipelined unit of work against six round trips."""
    from todo.bench import unit_of_work

    unit_of_work.main(list(ctx.args), database_url=common.settings_or_exit().database_url)
