"""``python -m ops (--stack NAME | --outputs FILE) COMMAND [--json]``: day-2 operations on a stack."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from .errors import BAD_INPUT, REFUSED, OpsError


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        print(f"ops: error: {message} (see python -m ops --help)", file=sys.stderr)
        sys.exit(BAD_INPUT)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return number


def parser() -> argparse.ArgumentParser:
    json_flag = _Parser(add_help=False)
    json_flag.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON object")
    p = _Parser(
        prog="python -m ops", description="Day-2 operations on a deployed messaging stack.", parents=[json_flag]
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack", metavar="NAME", help="read outputs with `pulumi stack output --json --stack NAME`")
    where.add_argument("--outputs", metavar="FILE", help="read outputs from FILE (the same JSON)")
    commands = p.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    commands.add_parser(
        "status", parents=[json_flag], help="queues, DLQs, alarms, mappings, channel, schedules, switch"
    )
    send = commands.add_parser("send", parents=[json_flag], help="publish envelopes through the producer function")
    what = send.add_mutually_exclusive_group(required=True)
    what.add_argument("--messages", metavar="FILE", help="a JSON array, or JSON lines, of envelopes")
    what.add_argument("--count", type=_positive, metavar="N", help="N generated (valid) demo orders")

    dlq = commands.add_parser(
        "dlq", help="a consumer's dead-letter queue (`schedules`: the schedules' DLQ)"
    ).add_subparsers(dest="dlq_command", required=True, parser_class=_Parser, metavar="peek|redrive|tasks|purge")
    consumer_help = "a consumer's name, or schedules for the schedules' DLQ"
    peek = dlq.add_parser("peek", parents=[json_flag], help="list dead letters without removing them")
    peek.add_argument("consumer", help=consumer_help)
    peek.add_argument("--limit", type=_positive, default=10, metavar="N", help="at most N messages (default 10)")
    redrive = dlq.add_parser(
        "redrive",
        parents=[json_flag],
        help="move dead letters back to the consumer's queue (schedules: run the producer again for each)",
    )
    redrive.add_argument("consumer", help=consumer_help)
    redrive.add_argument(
        "--max-per-second",
        type=_positive,
        metavar="N",
        help="SQS move rate, 1..500 (default: SQS's); schedules: invokes per second (default: unpaced)",
    )
    redrive.add_argument("--wait", action="store_true", help="report progress until the move is done")
    redrive.add_argument("--cancel", action="store_true", help="cancel the running redrive instead")
    tasks = dlq.add_parser("tasks", parents=[json_flag], help="recent redrives of the consumer's DLQ")
    tasks.add_argument("consumer", help="a consumer's name")
    purge = dlq.add_parser("purge", parents=[json_flag], help="delete every dead letter (needs --yes)")
    purge.add_argument("consumer", help=consumer_help)
    purge.add_argument("--yes", action="store_true", help="confirm: the messages are deleted for good")

    replay = commands.add_parser("replay", parents=[json_flag], help="replay archived events (eventbridge only)")
    replay.add_argument("--from", dest="start", required=True, metavar="TIME", help="ISO 8601 start (inclusive)")
    replay.add_argument("--to", dest="end", required=True, metavar="TIME", help="ISO 8601 end (exclusive)")
    replay.add_argument("--consumer", metavar="NAME", help="only to this consumer's rule(s)")
    replay.add_argument("--wait", action="store_true", help="wait until the replay completes")

    switch = commands.add_parser("switch", help="a topology switch in progress").add_subparsers(
        dest="switch_command", required=True, parser_class=_Parser, metavar="status"
    )
    sw = switch.add_parser("status", parents=[json_flag], help="is the draining ingress drained? what next?")
    sw.add_argument("--window", default="900", metavar="SECONDS", help="quiet period to call it drained (default 900)")
    return p


def _dispatch(args: argparse.Namespace) -> int:
    # Loaded after parsing: `--help` and usage errors stay fast.
    import botocore.exceptions  # noqa: PLC0415

    from . import dlq, metrics, outputs, replay, send, status, switch  # noqa: PLC0415
    from .render import Output  # noqa: PLC0415
    from .stack import Stack  # noqa: PLC0415

    out = Output(getattr(args, "json", False))
    try:
        window = metrics.window_seconds(args.window) if args.command == "switch" else None
        data = outputs.from_file(args.outputs) if args.outputs else outputs.from_pulumi(args.stack)
        stack = Stack(data, args.stack)
        if args.command == "status":
            return status.run(stack, out)
        if args.command == "send":
            return send.run(stack, out, args.messages, args.count)
        if args.command == "replay":
            return replay.run(stack, out, args.start, args.end, args.consumer, args.wait)
        if args.command == "switch":
            return switch.run(stack, out, window)
        sub = args.dlq_command
        if sub == "peek":
            return dlq.run_peek(stack, out, args.consumer, args.limit)
        if sub == "tasks":
            return dlq.run_tasks(stack, out, args.consumer)
        if sub == "purge":
            return dlq.run_purge(stack, out, args.consumer, args.yes)
        if args.cancel:
            if args.wait or args.max_per_second is not None:
                raise OpsError("--cancel takes neither --wait nor --max-per-second")
            return dlq.run_cancel(stack, out, args.consumer)
        return dlq.run_redrive(stack, out, args.consumer, args.max_per_second, args.wait)
    except OpsError as exc:
        print(f"ops: error: {exc}", file=sys.stderr)
        return exc.exit_status
    except botocore.exceptions.NoCredentialsError:
        print("ops: error: no AWS credentials found: configure a profile or export AWS_ACCESS_KEY_ID", file=sys.stderr)
        return BAD_INPUT
    except botocore.exceptions.EndpointConnectionError as exc:
        print(
            f"ops: error: cannot reach AWS at {exc.kwargs.get('endpoint_url')}: is the endpoint right?", file=sys.stderr
        )
        return BAD_INPUT
    except botocore.exceptions.ClientError as exc:
        err = exc.response.get("Error", {})
        print(f"ops: AWS error: {exc.operation_name}: {err.get('Code')}: {err.get('Message')}", file=sys.stderr)
        return REFUSED
    except botocore.exceptions.BotoCoreError as exc:
        print(f"ops: error: {exc}", file=sys.stderr)
        return BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("ops: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
