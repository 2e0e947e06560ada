"""What ``emulator serve`` adds to moto, checked in-process against AWS's documented answers:
SQS message move tasks (rate in the emulator's clock, where messages go, errors) and EventBridge replay
(window, FilterArns, replay-name)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from emulator.message_moves import MessageMoves
from emulator.replays import aws_replays

REGION = "eu-west-1"
ACCOUNT = "123456789012"


@pytest.fixture
def aws(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


@pytest.fixture
def moves(aws):
    with MessageMoves(ACCOUNT, REGION).installed() as installed:
        yield installed


def _queues(sqs, fifo: bool = False):
    suffix = ".fifo" if fifo else ""
    attrs = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
    dlq = sqs.create_queue(QueueName=f"orders-dlq{suffix}", Attributes=attrs)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    source = sqs.create_queue(QueueName=f"orders{suffix}", Attributes={**attrs, "RedrivePolicy": redrive})["QueueUrl"]
    return source, dlq, dlq_arn


def _dead_letter(sqs, source: str, bodies: list[str], fifo: bool = False) -> None:
    for n, body in enumerate(bodies):
        extra = {"MessageGroupId": f"g{n}"} if fifo else {}
        sqs.send_message(QueueUrl=source, MessageBody=body, **extra)
    for _ in range(len(bodies) + 1):  # a receive past maxReceiveCount moves them to the DLQ
        for m in sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10).get("Messages", []):
            sqs.change_message_visibility(QueueUrl=source, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)


def _bodies(sqs, url: str) -> list[dict]:
    out = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages"):
        out += batch
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


@pytest.mark.parametrize("fifo", [False, True], ids=["standard", "fifo"])
def test_a_move_task_returns_dead_letters_to_their_source_at_the_given_rate(moves, fifo):
    sqs = boto3.client("sqs", region_name=REGION)
    source, dlq, dlq_arn = _queues(sqs, fifo)
    _dead_letter(sqs, source, [f"m{n}" for n in range(5)], fifo)
    originals = {m.id for m in moves._backend.queues[dlq.rsplit("/", 1)[-1]]._messages}
    assert len(originals) == 5

    handle = sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=2)["TaskHandle"]
    running = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert len(running) == 1
    assert {k: v for k, v in running[0].items() if k != "StartedTimestamp"} == {
        "TaskHandle": handle,
        "Status": "RUNNING",
        "SourceArn": dlq_arn,
        "MaxNumberOfMessagesPerSecond": 2,
        "ApproximateNumberOfMessagesMoved": 0,
        "ApproximateNumberOfMessagesToMove": 5,
    }
    assert isinstance(running[0]["StartedTimestamp"], int)
    assert [moves.tick(1.0) for _ in range(3)] == [2, 2, 1]  # two a second in the emulator's clock
    done = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
    assert [(t["Status"], t["ApproximateNumberOfMessagesMoved"], "TaskHandle" in t) for t in done] == [
        ("COMPLETED", 5, False)
    ]
    back = _bodies(sqs, source)
    assert sorted(m["Body"] for m in back) == [f"m{n}" for n in range(5)]
    # Redriven messages are new messages: new ids, first receive.
    assert not {m["MessageId"] for m in back} & originals
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in back} == {"1"}
    if fifo:
        assert sorted(m["Attributes"]["MessageGroupId"] for m in back) == [f"g{n}" for n in range(5)]
        assert {m["Attributes"]["MessageDeduplicationId"] for m in back} == originals
    assert _bodies(sqs, dlq) == []


def test_move_task_errors_are_aws_s(moves):
    sqs = boto3.client("sqs", region_name=REGION)
    source, dlq, dlq_arn = _queues(sqs)
    source_arn = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    _dead_letter(sqs, source, ["a", "b"])
    sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=1)
    cases = [
        (
            dict(SourceArn=source_arn),
            "InvalidParameterValue",
            "Source queue must be configured as a Dead Letter Queue.",
        ),
        (
            dict(SourceArn=dlq_arn),
            "InvalidParameterValue",
            "There is already a task running. Only one active task is allowed for a source queue arn at a given time.",
        ),
        (
            dict(SourceArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:nope"),
            "ResourceNotFoundException",
            "The resource that you specified for the SourceArn parameter doesn't exist.",
        ),
        (
            dict(SourceArn=dlq_arn, DestinationArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:nope"),
            "ResourceNotFoundException",
            "The resource that you specified for the DestinationArn parameter doesn't exist.",
        ),
    ]
    for kwargs, code, message in cases:
        with pytest.raises(ClientError) as caught:
            sqs.start_message_move_task(**kwargs)
        assert (caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]) == (code, message)
    handle = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]["TaskHandle"]
    moves.tick(1.0)
    assert sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"] == 1
    assert sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]["Status"] == "CANCELLED"
    assert moves.tick(1.0) == 0  # cancelled: the second message stays in the DLQ
    with pytest.raises(ClientError) as caught:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert caught.value.response["Error"]["Code"] == "AWS.SimpleQueueService.UnsupportedOperation"
    # The texts AWS answers for a handle it cannot read, a handle naming no queue and one naming no task.
    other_queue = json.dumps({"taskId": "t-1", "sourceArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:nope"})
    no_task = json.dumps({"taskId": "t-1", "sourceArn": dlq_arn})
    cancels = [
        ("not-a-handle", "InvalidParameterValue", "Value for parameter TaskHandle is invalid."),
        (
            base64.b64encode(other_queue.encode()).decode(),
            "ResourceNotFoundException",
            "The resource that you specified for the SourceArn parameter doesn't exist.",
        ),
        (base64.b64encode(no_task.encode()).decode(), "ResourceNotFoundException", "Task does not exist."),
    ]
    for bad, code, message in cancels:
        with pytest.raises(ClientError) as caught:
            sqs.cancel_message_move_task(TaskHandle=bad)
        assert (caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]) == (code, message)


def test_replay_sends_only_the_window_to_only_the_named_rules_with_replay_name(aws):
    events, sqs = boto3.client("events", region_name=REGION), boto3.client("sqs", region_name=REGION)
    bus = events.create_event_bus(Name="orders")["EventBusArn"]
    archive = events.create_archive(ArchiveName="orders-archive", EventSourceArn=bus)["ArchiveArn"]
    queues = {}
    for name in ("inventory", "analytics"):
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        rule = events.put_rule(
            Name=f"{name}-rule", EventBusName="orders", EventPattern=json.dumps({"source": ["shop"]})
        )
        events.put_targets(Rule=f"{name}-rule", EventBusName="orders", Targets=[{"Id": name, "Arn": arn}])
        queues[name] = (url, rule["RuleArn"])
    times = [datetime(2026, 1, 1, h, tzinfo=timezone.utc) for h in (9, 10, 11)]
    events.put_events(
        Entries=[
            {"Source": "shop", "DetailType": "T", "Detail": json.dumps({"n": n}), "EventBusName": "orders", "Time": t}
            for n, t in enumerate(times)
        ]
    )
    for url, _ in queues.values():
        assert len(_bodies(sqs, url)) == 3
    with aws_replays():
        events.start_replay(
            ReplayName="r1",
            EventSourceArn=archive,
            EventStartTime=datetime(2026, 1, 1, 9, 30, tzinfo=timezone.utc),
            EventEndTime=times[2],  # exclusive: the 11:00 event is outside
            Destination={"Arn": bus, "FilterArns": [queues["inventory"][1]]},
        )
    assert events.describe_replay(ReplayName="r1")["State"] == "COMPLETED"
    replayed = [json.loads(m["Body"]) for m in _bodies(sqs, queues["inventory"][0])]
    assert [(e["detail"], e["replay-name"]) for e in replayed] == [({"n": 1}, "r1")]
    assert _bodies(sqs, queues["analytics"][0]) == []
