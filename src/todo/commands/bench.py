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
    """Requests per second and latency of the task API against a running server."""
    from todo.bench import api_load

    settings = common.settings_or_exit()
    secret = settings.better_auth_secret
    if not {"-h", "--help"} & set(ctx.args) and (settings.database_url is None or secret is None):
        common.fail("set DATABASE_URL and BETTER_AUTH_SECRET to the running server's", code=2)
    api_load.main(
        list(ctx.args),
        database_url=settings.database_url or "",
        secret=secret.get_secret_value() if secret else "",
    )


@bench_app.command(context_settings=_PASS_THROUGH, add_help_option=False)
def uow(ctx: typer.Context) -> None:
    """What the per-transaction identity costs: pipelined unit of work against six round trips."""
    from todo.bench import unit_of_work

    unit_of_work.main(list(ctx.args), database_url=common.settings_or_exit().database_url)
