"""``fmscript serve``: the AI Model Server (OpenAI-compatible API) with uvicorn."""

from __future__ import annotations

import errno
import socket
import sys

import click

from fmscript.cli.store_option import store_option

GRACEFUL_SECONDS = 5


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0 for every interface)."
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port (0: any free port)."
)
@click.option(
    "--max-upload-mb", type=click.IntRange(min=1), default=512, show_default=True, help="Largest file upload."
)
@click.option(
    "--train/--no-train",
    default=True,
    show_default=True,
    help="Train queued jobs here (--no-train: accept jobs, leave them queued for another trainer).",
)
@click.option(
    "--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]), default="info"
)
@store_option
def serve(host: str, port: int, max_upload_mb: int, train: bool, log_level: str) -> None:
    """Serve fine-tuning, models and chat completions under /llm/v1 and /v1 (FileMaker's AI Model
    Server API; use http://HOST:PORT/llm/v1/ as a Custom account's Endpoint).

    Every route but /health needs an API key: create one with `fmscript keys create NAME`.
    Queued jobs are trained one at a time, in the order they were created.
    """
    try:
        import uvicorn

        from fmscript.server.app import create_app
        from fmscript.server.config import MB, ServerOptions
    except ImportError as exc:
        click.echo(
            f"error: fmscript serve needs the server extra: pip install 'fmscript[server]' ({exc.name})",
            err=True,
        )
        sys.exit(1)
    from fmscript.ai.keys import open_keys
    from fmscript.cli import current_settings

    settings = current_settings()
    # The socket is bound here, before anything is printed: a port in use is one error line (exit
    # 1), and --port 0 prints the port the system chose.
    sock = _listen(host, port)
    port = sock.getsockname()[1]
    app = create_app(settings, ServerOptions(max_upload_bytes=max_upload_mb * MB, worker=train))
    if not open_keys(settings.home, settings.store).entries():
        click.echo(
            "warning: no API keys yet; every request but /health is refused (fmscript keys create NAME)",
            err=True,
        )
    # A stop signal ends the server within seconds even while a request hangs (a client that
    # never finishes its body, a long generation): uvicorn waits for open requests only that long,
    # then the app's shutdown stops the training child and queues its job again.
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    server = uvicorn.Server(config)
    click.echo(f"fmscript serve: home {settings.home}", err=True)
    shown = f"[{host}]" if ":" in host else ("127.0.0.1" if host in ("0.0.0.0", "") else host)
    click.echo(
        f"fmscript serve: API http://{shown}:{port}/llm/v1/ (and /v1/), admin page http://{shown}:{port}/admin/",
        err=True,
    )
    server.run(sockets=[sock])


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, as uvicorn would open it; a port in use or an address
    that cannot be bound ends the command with one line."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        reason = "the port is in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        click.echo(f"error: cannot listen on {host}:{port}: {reason}", err=True)
        sys.exit(1)
    sock.set_inheritable(True)
    return sock
