"""Connecting to a Dask scheduler, with every failure the package's own error.

``--scheduler`` is checked in steps, each with its own message: the address's form
(``tcp://HOST:PORT``, ``tls://HOST:PORT``), then whether anything listens there (refused,
unknown host, no answer within ``--connect-timeout``), then whether what answers is a Dask
scheduler (an HTTP server, say, is not: ``distributed`` itself would wait for ever). Every step
has a time limit.

TLS settings come from Dask's own configuration, as for ``dask worker``: the
``distributed.comm.tls`` keys of a ``~/.config/dask/distributed.yaml``, or the environment
variables ``DASK_DISTRIBUTED__COMM__TLS__CA_FILE``, ``..._CLIENT__CERT`` and
``..._CLIENT__KEY``.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from distributed import Client
from distributed.comm import connect as comm_connect
from distributed.comm.addressing import parse_address, parse_host_port
from distributed.comm.registry import get_backend
from distributed.security import Security

from lhs_reports.errors import BuildError

#: Schemes whose address is a host and port one can open a TCP connection to.
TCP_SCHEMES = {"tcp", "tls", "ws", "wss"}
FIX = ("start it with `dask scheduler` (default port 8786) and give its address as "
       "tcp://HOST:PORT (tls://HOST:PORT with TLS), or raise --connect-timeout")


def connect(address: str, *, timeout: float) -> Client:
    """A client of the Dask scheduler at ``address``, or :class:`BuildError` saying why not.

    Examples
    --------
    >>> connect("no port here", timeout=5)
    Traceback (most recent call last):
    ...
    lhs_reports.errors.BuildError: 'no port here' is not a Dask scheduler address (missing ...)
    ...
    """
    scheme, host, port = check_address(address)
    if scheme in TCP_SCHEMES:
        check_listening(address, host, port, timeout)
    check_scheduler(address, timeout)
    try:
        return Client(address, timeout=timeout, set_as_default=False,
                      security=Security())
    except Exception as exc:
        raise BuildError(f"could not connect to the Dask scheduler at {address}: "
                         f"{type(exc).__name__}: {exc}", field="--scheduler", hint=FIX) from None


def check_address(address: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a scheduler address; :class:`BuildError` if malformed.

    Examples
    --------
    >>> check_address("tcp://10.0.0.5:8786")
    ('tcp', '10.0.0.5', 8786)
    """
    try:
        scheme, location = parse_address(address.strip())
        get_backend(scheme)  # an unknown scheme is a malformed address too
        if scheme not in TCP_SCHEMES:
            return scheme, location, 0
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise BuildError(f"'{address}' is not a Dask scheduler address ({exc})",
                         field="--scheduler",
                         hint="give it as tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786") from None
    if not host or not port:
        raise BuildError(f"'{address}' is not a Dask scheduler address (no host or port)",
                         field="--scheduler",
                         hint="give it as tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786")
    return scheme, host, int(port)


def check_listening(address: str, host: str, port: int, timeout: float) -> None:
    """Something accepts connections at ``host:port`` within ``timeout`` s."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except ConnectionRefusedError:
        problem = f"connection refused at {host}:{port}: nothing listens there"
    except socket.gaierror as exc:
        problem = f"unknown host '{host}' ({exc.strerror or exc})"
    except TimeoutError:
        problem = f"no answer from {host}:{port} within {timeout:g} s (unreachable)"
    except OSError as exc:
        problem = f"{host}:{port} cannot be reached ({exc.strerror or exc})"
    raise BuildError(f"no Dask scheduler at {address}: {problem}", field="--scheduler",
                     hint=FIX)


def check_scheduler(address: str, timeout: float) -> None:
    """What answers at ``address`` is a Dask scheduler (asked its identity, within
    ``timeout`` s)."""
    try:
        reply = asyncio.run(asyncio.wait_for(_identity(address, timeout), timeout))
    except Exception as exc:  # whatever a server that is not Dask makes the reader do
        detail = (f"no Dask answer within {timeout:g} s" if isinstance(exc, TimeoutError)
                  else f"{type(exc).__name__}: {exc}")
        raise BuildError(
            f"{address} answered, but not as a Dask scheduler ({detail})", field="--scheduler",
            hint="check the port is the scheduler's (8786 by default, not its dashboard's "
            "8787); with TLS, use a tls:// address and set Dask's TLS settings "
            "(distributed.comm.tls) on this machine") from None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        kind = reply.get("type") if isinstance(reply, dict) else type(reply).__name__
        raise BuildError(f"{address} is a Dask {kind}, not a scheduler", field="--scheduler",
                         hint="give the address `dask scheduler` prints at start-up")


async def _identity(address: str, timeout: float) -> Any:
    comm = await comm_connect(address, timeout=timeout,
                              **Security().get_connection_args("client"))
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()
