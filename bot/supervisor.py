"""``python -m bot run``: start the action server, Rasa and the web page, keep them up.

The supervisor checks that every port is free, starts each service as a child
process (its output prefixed ``[name]``), waits until every health URL
answers, prints the URLs and ``ready``, and then keeps the services running:
a service that dies is restarted with back-off (1, 2, 4 ... 30 s) while the
others keep serving, and after five quick failures in a row it gives up.
Ctrl-C or SIGTERM stops every child (SIGTERM, then SIGKILL after 10 s).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from bot.net import http_ok, port_is_free
from bot.settings import PROJECT_ROOT, Settings, SettingsError, child_env, ensure_env_file, load_settings

# A child exiting with this code (sysexits' EX_CONFIG) cannot be helped by a
# restart: its last line says what to fix. bot.serve_rasa uses it.
EX_CONFIG = 78


@dataclass(frozen=True)
class Service:
    """One child process and how to tell that it serves."""

    name: str
    argv: Sequence[str]
    health_url: str
    # The child's whole environment; None inherits the supervisor's.
    env: Mapping[str, str] | None = None
    # The setting that moves it to another port, named when the port is taken.
    port_key: str = ""
    label: str = ""
    url: str = ""
    cwd: Path | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.health_url).hostname or "127.0.0.1"

    @property
    def port(self) -> int | None:
        return urlsplit(self.health_url).port

    @property
    def public_url(self) -> str:
        """What the ready banner shows: ``url``, else the health URL's origin."""
        parts = urlsplit(self.health_url)
        return self.url or f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class Options:
    """Timings; the defaults are the production ones, tests shorten them."""

    health_timeout: float = 180.0
    stop_grace: float = 10.0
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    max_quick_failures: int = 5
    # A service that served this long before dying did not fail "quickly".
    stable_after: float = 60.0
    poll_interval: float = 0.5
    progress_every: float = 5.0


@dataclass
class _State:
    proc: asyncio.subprocess.Process | None = None
    healthy_since: float | None = None
    quick_failures: int = 0
    keeper: asyncio.Task[None] | None = field(default=None, repr=False)


def port_in_use_message(port: int, key: str = "") -> str:
    if key:
        return f"port {port} ({key}) is already in use: stop the other process or set {key} in .env"
    return f"port {port} is already in use: stop the other process"


def _parent_death_signal() -> Callable[[], None] | None:
    """A pre-exec hook so a child gets SIGTERM if the supervisor is killed outright.

    Children run in their own session (Ctrl-C reaches only the supervisor,
    which stops them in order), so without this a SIGKILLed supervisor would
    leave them running and holding the ports.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was stopped by {signal.Signals(-code).name}"
        except ValueError:
            return f"was stopped by signal {-code}"
    return f"exited with code {code}"


class Supervisor:
    """Runs ``services`` until a signal arrives or one of them cannot be kept up."""

    def __init__(
        self,
        services: Sequence[Service],
        options: Options | None = None,
        out: TextIO | None = None,
        started: float | None = None,
    ) -> None:
        names = [service.name for service in services]
        if len(set(names)) != len(names):
            raise ValueError(f"service names must be unique: {names}")
        self.services = list(services)
        self.options = options or Options()
        self.out = out or sys.stdout
        self.started = time.monotonic() if started is None else started
        self.ready = False
        self._states = {service.name: _State() for service in self.services}
        self._exit_code = 0
        self._signals = 0
        self._stop: asyncio.Event | None = None
        self._preexec = _parent_death_signal()

    # -- output ---------------------------------------------------------------
    def say(self, text: str, source: str = "supervisor") -> None:
        try:
            self.out.write(f"[{source}] {text}\n")
            self.out.flush()
        except (BrokenPipeError, ValueError):
            pass  # nobody is reading any more; the services matter more

    def _elapsed(self) -> float:
        return time.monotonic() - self.started

    # -- checks -----------------------------------------------------------------
    def busy_port(self) -> str | None:
        """The "port in use" line for the first service whose port is taken, else None."""
        for service in self.services:
            if service.port and not port_is_free(service.host, service.port):
                return port_in_use_message(service.port, service.port_key)
        return None

    # -- main loop --------------------------------------------------------------
    async def run(self) -> int:
        busy = self.busy_port()
        if busy:
            print(busy, file=sys.stderr, flush=True)
            return 1
        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        for signum in handled:
            loop.add_signal_handler(signum, self._on_signal, signum)
        try:
            for service in self.services:
                self._states[service.name].keeper = asyncio.create_task(self._keep_running(service))
            watcher = asyncio.create_task(self._watch_health())
            await self._stop.wait()
            watcher.cancel()
            await self._stop_all()
            await asyncio.gather(watcher, return_exceptions=True)
        finally:
            for signum in handled:
                loop.remove_signal_handler(signum)
        self.say(f"stopped after {self._elapsed():.0f} s")
        return self._exit_code

    def _fail(self, code: int = 1) -> None:
        if self._exit_code == 0:
            self._exit_code = code
        assert self._stop is not None
        self._stop.set()

    def _on_signal(self, signum: int) -> None:
        self._signals += 1
        assert self._stop is not None
        if self._signals == 1:
            self.say(f"{signal.Signals(signum).name} received: stopping all services")
            self._stop.set()
        else:
            self.say("second signal: killing all services now")
            for state in self._states.values():
                self._signal(state.proc, signal.SIGKILL)

    async def _sleep_unless_stopped(self, seconds: float) -> bool:
        """Sleep; True if a stop was requested meanwhile."""
        assert self._stop is not None
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            return False
        return True

    # -- one service ----------------------------------------------------------------
    async def _spawn(self, service: Service) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            *service.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=dict(service.env) if service.env is not None else None,
            cwd=str(service.cwd) if service.cwd else None,
            # Own session: a terminal's Ctrl-C reaches the supervisor only, and
            # killpg reaches anything the child started.
            start_new_session=True,
            preexec_fn=self._preexec,
        )

    async def _pump(self, name: str, stream: asyncio.StreamReader) -> None:
        """Copy a child's output line by line, prefixed with its name."""
        pending = b""
        while chunk := await stream.read(65536):
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                self.say(line.decode(errors="replace").rstrip("\r"), name)
        if pending:
            self.say(pending.decode(errors="replace").rstrip("\r"), name)

    async def _keep_running(self, service: Service) -> None:
        assert self._stop is not None
        state = self._states[service.name]
        options = self.options
        while not self._stop.is_set():
            try:
                proc = await self._spawn(service)
            except OSError as error:
                self.say(f"cannot start {service.name}: {error}")
                self._fail(1)
                return
            state.proc, state.healthy_since = proc, None
            if self._stop.is_set():  # stop requested while it was starting
                self._signal(proc, signal.SIGTERM)
            self.say(f"started {service.name} (pid {proc.pid})")
            assert proc.stdout is not None
            pump = asyncio.create_task(self._pump(service.name, proc.stdout))
            code = await proc.wait()
            # A grandchild may hold the pipe open: do not wait for it for ever.
            await asyncio.wait({pump}, timeout=2)
            pump.cancel()
            healthy_since, state.proc = state.healthy_since, None
            if self._stop.is_set():
                return
            if code == EX_CONFIG:
                self.say(f"{service.name} cannot start (exit code {code}): see its message above")
                self._fail(1)
                return
            served = time.monotonic() - healthy_since if healthy_since is not None else 0.0
            if served >= options.stable_after:
                state.quick_failures = 0
                delay = options.backoff_base
            else:
                state.quick_failures += 1
                if state.quick_failures >= options.max_quick_failures:
                    self.say(
                        f"{service.name} {_describe_exit(code)}; it failed {state.quick_failures} times "
                        "in a row: giving up (see its output above)"
                    )
                    self._fail(1)
                    return
                delay = min(options.backoff_base * 2 ** (state.quick_failures - 1), options.backoff_max)
            self.say(f"{service.name} {_describe_exit(code)}; restarting in {delay:g} s")
            if await self._sleep_unless_stopped(delay):
                return

    # -- health ---------------------------------------------------------------------
    async def _watch_health(self) -> None:
        options = self.options
        last_progress = time.monotonic()
        while True:
            checks = [
                (service, state.proc)
                for service in self.services
                if (state := self._states[service.name]).proc is not None and state.healthy_since is None
            ]
            if checks:
                answers = await asyncio.gather(
                    *(asyncio.to_thread(http_ok, service.health_url, 1.0) for service, _ in checks)
                )
                for (service, proc), ok in zip(checks, answers, strict=True):
                    state = self._states[service.name]
                    if ok and state.proc is proc and proc is not None and proc.returncode is None:
                        state.healthy_since = time.monotonic()
                        again = " again" if self.ready else f" after {self._elapsed():.1f} s"
                        self.say(f"{service.name} is up{again}")
            if not self.ready:
                waiting = [name for name, state in self._states.items() if state.healthy_since is None]
                if not waiting:
                    self._announce_ready()
                elif self._elapsed() >= options.health_timeout:
                    self.say(
                        f"{', '.join(waiting)} did not answer within {options.health_timeout:g} s: stopping"
                    )
                    self._fail(1)
                    return
                elif time.monotonic() - last_progress >= options.progress_every:
                    last_progress = time.monotonic()
                    self.say(f"waiting for {', '.join(waiting)} ... {self._elapsed():.0f} s")
            await asyncio.sleep(options.poll_interval)

    def _announce_ready(self) -> None:
        self.ready = True
        width = max(len(service.label or service.name) for service in self.services)
        for service in self.services:
            self.say(f"{(service.label or service.name):<{width}}  {service.public_url}")
        self.say(f"ready in {self._elapsed():.1f} s (Ctrl-C stops everything)")

    # -- stopping ----------------------------------------------------------------------
    @staticmethod
    def _signal(proc: asyncio.subprocess.Process | None, signum: int) -> None:
        if proc is None or proc.returncode is not None:
            return
        try:
            os.killpg(proc.pid, signum)  # its own session: the group id is its pid
        except (ProcessLookupError, PermissionError):
            try:
                proc.send_signal(signum)
            except ProcessLookupError:
                pass

    async def _stop_all(self) -> None:
        for state in self._states.values():
            self._signal(state.proc, signal.SIGTERM)
        keepers = {state.keeper for state in self._states.values() if state.keeper is not None}
        if not keepers:
            return
        _, pending = await asyncio.wait(keepers, timeout=self.options.stop_grace)
        if pending:
            for name, state in self._states.items():
                if state.proc is not None and state.proc.returncode is None:
                    self.say(f"{name} did not stop within {self.options.stop_grace:g} s: killing it")
                    self._signal(state.proc, signal.SIGKILL)
            _, pending = await asyncio.wait(pending, timeout=5)
            for keeper in pending:
                keeper.cancel()


def run_services(
    services: Sequence[Service], options: Options | None = None, started: float | None = None
) -> int:
    """Run ``services`` under a supervisor until stopped; return the exit code."""
    return asyncio.run(Supervisor(services, options, started=started).run())


def default_services(
    settings: Settings, env: Mapping[str, str], python: str = sys.executable
) -> list[Service]:
    """The three services of the assistant, in the order they are started."""
    return [
        Service(
            name="actions",
            argv=(python, "-m", "bot.serve_actions"),
            health_url=f"{settings.actions_url}/health",
            env=env,
            port_key="ACTIONS_PORT",
            label="action server",
            cwd=PROJECT_ROOT,
        ),
        Service(
            name="rasa",
            argv=(python, "-m", "bot.serve_rasa"),
            health_url=f"{settings.rasa_url}/",
            env=env,
            port_key="RASA_PORT",
            label="Rasa server",
            cwd=PROJECT_ROOT,
        ),
        Service(
            name="web",
            argv=(python, "-m", "bot", "web"),
            health_url=f"{settings.web_url}/health",
            env=env,
            port_key="WEB_PORT",
            label="chat page",
            url=f"{settings.web_url}/",
            cwd=PROJECT_ROOT,
        ),
    ]


def _say(text: str) -> None:
    print(f"[supervisor] {text}", flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot run", description=__doc__.splitlines()[0])
    parser.add_argument("--env-file", type=Path, default=PROJECT_ROOT / ".env", help="default: .env")
    parser.add_argument(
        "--health-timeout",
        type=float,
        default=Options.health_timeout,
        help="seconds to wait for all services",
    )
    return parser


def main(argv: list[str] | None = None, command: str = "run") -> int:
    """Start everything and stay in the foreground until Ctrl-C."""
    started = time.monotonic()
    args = build_parser().parse_args(argv)
    env_file: Path = args.env_file
    if env_file.is_file():
        added = ensure_env_file(env_file)
        if added:
            _say(f"generated {', '.join(added)} into {env_file.name}")
    else:
        _say(f"no {env_file.name} found: using defaults")
    try:
        settings = load_settings(dotenv_path=env_file)
    except SettingsError as error:
        print(f"cannot start: {error}", file=sys.stderr)
        return 2

    from bot.serve_rasa import latest_model, no_model_message

    if latest_model(settings.model_dir) is None:
        print(no_model_message(settings.model_dir), file=sys.stderr)
        return 1
    if not settings.rasa_auth_token:
        # Never an HTTP API without a token; this one lives only as long as this run.
        _say("RASA_AUTH_TOKEN is not set: the HTTP API uses a one-off token for this run")
        settings = replace(settings, rasa_auth_token=secrets.token_urlsafe(24))
    if not settings.actions_token:
        settings = replace(settings, actions_token=secrets.token_urlsafe(24))

    services = default_services(settings, child_env(settings))
    return run_services(services, Options(health_timeout=args.health_timeout), started=started)


if __name__ == "__main__":
    sys.exit(main())
