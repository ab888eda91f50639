"""Small network helpers: free ports and waiting for a service to answer."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request

# Health checks talk to our own processes on 127.0.0.1: a proxy from the
# environment must never be asked to reach them.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def find_free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    """True when a server could bind ``host:port`` now.

    SO_REUSEADDR is set as servers set it, so connections lingering in
    TIME_WAIT after a restart do not count as "in use"; a listening socket does.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def http_ok(url: str, timeout: float = 2.0) -> bool:
    """True when ``GET url`` answers with a status below 400."""
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            return int(response.status) < 400
    except (urllib.error.URLError, OSError, ValueError):
        # HTTPError is a URLError: a 4xx/5xx answer is "not healthy" as well.
        return False


def wait_for_http(url: str, timeout: float, interval: float = 0.25) -> bool:
    """Poll ``url`` until it answers OK; False if ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        if http_ok(url, timeout=min(2.0, max(0.1, deadline - time.monotonic()))):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
