"""``python -m emulator [--stack dev] [--topology T] [--messages FILE | --count N | --fire-schedule NAME] [--json]``,
and ``python -m emulator serve --stack NAME [--port P] [--outputs FILE] [--real-time]``."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from components.defaults import TOPOLOGIES

from .errors import EmulatorError
from .messages import demo_orders, load_messages
from .report import AccountingError
from .runner import format_summary, run
from .serve import DEFAULT_PORT, serve
from .stackconfig import stack_file_problem

EXIT_OK = 0  # the run completed (whatever was dead-lettered)
EXIT_BAD_INPUT = 2  # bad arguments, config, stack file or messages: one line on stderr, nothing ran
EXIT_INTERNAL = 3  # the emulator failed (a bug, or its report would not account for every message)


class _Parser(argparse.ArgumentParser):
    """argparse's errors as one line (no usage block), with exit status 2."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m emulator",
        description="Run the Pulumi program and its Lambda handlers against an embedded AWS (moto), offline.",
        epilog="python -m emulator serve --help: keep a deployed stack running on 127.0.0.1 instead.",
    )
    p.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to read (default: dev)")
    p.add_argument("--topology", choices=TOPOLOGIES, help="override messaging:topology for this run only")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--messages", metavar="FILE", help="envelopes to send: a JSON array, or JSON lines")
    src.add_argument("--count", type=int, metavar="N", help="send N generated demo orders (default: 12)")
    src.add_argument(
        "--fire-schedule",
        action="append",
        metavar="NAME",
        help="instead of messages, run this messaging:schedules entry once as EventBridge Scheduler would (repeatable)",
    )
    p.add_argument(
        "--project-dir",
        metavar="DIR",
        help="the Pulumi project (default: the current folder if it has Pulumi.yaml, else this repository)",
    )
    p.add_argument("--json", action="store_true", help="print exactly one JSON report on stdout")
    p.add_argument("--logs", action="store_true", help="echo the handlers' log lines to stderr")
    p.add_argument("--debug", action="store_true", help="show a traceback when the run fails")
    return p


def _serve_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m emulator serve",
        description="Deploy a stack into an embedded AWS served on 127.0.0.1, with its Lambda service running.",
        epilog=(
            "SIGHUP (kill -HUP PID) reads the stack file again and applies the change as pulumi up would: "
            "one line says what was created, updated and deleted (counts per resource type) and the outputs "
            "file is written again; a config the program refuses changes nothing (one line on stderr) and serve "
            "keeps running. SIGINT or SIGTERM stops it."
        ),
    )
    p.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to deploy (default: dev)")
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default: {DEFAULT_PORT}; 0: any free)"
    )
    p.add_argument("--outputs", metavar="FILE", help="where to write the stack outputs (default: outputs.<stack>.json)")
    p.add_argument("--report", metavar="FILE", help="on stop, write what the consumers processed (JSON) here")
    p.add_argument("--real-time", action="store_true", help="wait out visibility timeouts as AWS would")
    p.add_argument("--project-dir", metavar="DIR", help="the Pulumi project (default: as for a run)")
    p.add_argument("--stack-file", metavar="FILE", help="a stack config file to deploy instead of Pulumi.<stack>.yaml")
    p.add_argument("--logs", action="store_true", help="echo the handlers' log lines to stderr")
    p.add_argument("--debug", action="store_true", help="show a traceback when serving fails")
    return p


def _serve_main(argv: list[str]) -> int:
    args = _serve_parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        print(f"emulator serve: error: --port {args.port} is not a port (0..65535)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.stack_file is not None and (problem := stack_file_problem(Path(args.stack_file))):
        print(f"emulator serve: error: --stack-file {args.stack_file}: the stack file {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    sink = (lambda fn, line: print(f"[{fn}] {line}", file=sys.stderr)) if args.logs else None
    try:
        return serve(
            args.stack,
            port=args.port,
            outputs=args.outputs,
            report=args.report,
            real_time=args.real_time,
            project_dir=args.project_dir,
            stack_file=args.stack_file,
            log_sink=sink,
        )
    except Exception as exc:  # noqa: BLE001 - one line and an exit status, a traceback only with --debug
        return _failed("emulator serve", exc, debug=args.debug)


def _failed(prog: str, exc: Exception, *, debug: bool) -> int:
    """Say in one line on stderr why `prog` stopped (with the traceback under --debug); the exit status."""
    if debug:
        traceback.print_exc()
    if isinstance(exc, AccountingError):  # the report would not account for every message: an emulator bug
        print(f"{prog}: internal error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    if isinstance(exc, EmulatorError):
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{prog}: internal error: {type(exc).__name__}: {exc} (rerun with --debug for a traceback)", file=sys.stderr)
    return EXIT_INTERNAL


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        return _serve_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.fire_schedule:
            messages = None
        elif args.messages:
            messages = load_messages(args.messages)
        else:
            messages = demo_orders(args.count if args.count is not None else 12)
        sink = (lambda fn, line: print(f"[{fn}] {line}", file=sys.stderr)) if args.logs else None
        report = run(
            stack=args.stack,
            topology=args.topology,
            messages=messages,
            log_sink=sink,
            details=not args.json,
            project_dir=args.project_dir,
            schedules=args.fire_schedule,
        )
    except Exception as exc:  # noqa: BLE001 - one line and an exit status, a traceback only with --debug
        return _failed("emulator", exc, debug=args.debug)
    if args.json:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        print(format_summary(report))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
