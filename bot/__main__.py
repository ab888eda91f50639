"""Command line: ``python -m bot <command> [options]``."""

from __future__ import annotations

import importlib
import sys

# command -> (module, one-line help); modules are imported only when used.
COMMANDS = {
    "run": ("bot.supervisor", "start the action server, Rasa and the web page"),
    "evaluate": ("bot.evaluate", "run triage cases against the running assistant"),
    "danger": ("bot.danger_check", "does the running assistant hear danger now in these messages?"),
    "agreement": ("bot.agreement", "how far independent labellers of a case file agree"),
    "bench": ("bot.bench", "measure reply latency against the running assistant"),
    "report": ("bot.outcomes.cli", "aggregated outcome counts, small numbers suppressed"),
    "purge": ("bot.outcomes.cli", "delete outcomes older than a given age"),
    "migrate": ("bot.outcomes.cli", "apply the outcome database migrations"),
    "check": ("bot.check", "validate the knowledge files (taxonomy, contacts)"),
    "web": ("bot.web.server", "serve the chat page only"),
}


def usage() -> str:
    lines = ["usage: python -m bot <command> [options]", "", "commands:"]
    lines += [f"  {name:<10} {text}" for name, (_, text) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"unknown command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[command][0])
    return int(module.main(rest, command=command) or 0)


if __name__ == "__main__":
    sys.exit(main())
