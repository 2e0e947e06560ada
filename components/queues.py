"""The one builder for SQS queues that hold messages: consumer queues, their
dead-letter queues, EventBridge's delivery DLQ and the forwarding consumers' and
schedules' DLQs, each with its one policy (and each DLQ with its alarm).

Not a component: the resources are children of the caller, named by the caller,
so a queue's URN is the caller's (and never changes when this module does).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import defaults, policies
from components.alarms import create_dlq_alarm


@dataclass(frozen=True, kw_only=True)
class QueueSpec:
    retention_days: int
    fifo: bool
    kms_key_arn: pulumi.Input[str] | None  # None: SSE-SQS
    tags: Mapping[str, str]
    # Data-holding queues: protected against deletion (production), retained when removed from the stack.
    protect: bool = False
    retain_on_delete: bool = False
    visibility_timeout_seconds: int | None = None
    dead_letter_arn: pulumi.Input[str] | None = None  # where a message goes after max_receive_count receives
    max_receive_count: int | None = None


def standard_dead_letter_spec(
    *, retention_days: int, kms_key_arn: pulumi.Input[str] | None, tags: Mapping[str, str], production: bool
) -> QueueSpec:
    """A standard queue, FIFO stack or not (EventBridge, Scheduler and Lambda destinations refuse FIFO
    dead-letter queues), holding what failed: protected and retained in production."""
    return QueueSpec(
        retention_days=retention_days,
        fifo=False,
        kms_key_arn=kms_key_arn,
        tags=tags,
        protect=production,
        retain_on_delete=production,
    )


def queue_encryption(kms_key_arn: pulumi.Input[str] | None) -> dict:
    """SSE inputs for a queue: SQS-managed keys, or the stack's customer managed key (they exclude each other)."""
    if kms_key_arn is None:
        return {"sqs_managed_sse_enabled": True}
    return {"kms_master_key_id": kms_key_arn}


def create_queue(name: str, spec: QueueSpec, parent: pulumi.Resource) -> aws.sqs.Queue:
    """One encrypted, auto-named queue (a physical name would make a replacement wait out SQS's cooldown)."""
    fifo = {"fifo_queue": True, "content_based_deduplication": True} if spec.fifo else {}
    redrive = {}
    if spec.dead_letter_arn is not None:
        redrive["redrive_policy"] = pulumi.Output.from_input(spec.dead_letter_arn).apply(
            lambda arn: json.dumps(policies.redrive_policy(arn, spec.max_receive_count))
        )
    visibility = (
        {"visibility_timeout_seconds": spec.visibility_timeout_seconds}
        if spec.visibility_timeout_seconds is not None
        else {}
    )
    return aws.sqs.Queue(
        name,
        **visibility,
        message_retention_seconds=spec.retention_days * defaults.SECONDS_PER_DAY,
        **redrive,
        tags=dict(spec.tags),
        **queue_encryption(spec.kms_key_arn),
        **fifo,
        opts=pulumi.ResourceOptions(parent=parent, protect=spec.protect, retain_on_delete=spec.retain_on_delete),
    )


def create_queue_policy(
    name: str,
    queue: aws.sqs.Queue,
    *,
    account_id: pulumi.Input[str],
    grants: pulumi.Input[Sequence[policies.SendGrant]],
    parent: pulumi.Resource,
) -> aws.sqs.QueuePolicy:
    """The queue's one policy: TLS only, plus sqs:SendMessage for each granted service from exactly its
    sources (`grants` with their ARNs resolved: components.topologies.base.resolved_grants).

    A queue has exactly one policy document: two QueuePolicy resources on one queue overwrite each other.
    """
    return aws.sqs.QueuePolicy(
        name,
        queue_url=queue.url,
        policy=pulumi.Output.all(queue.arn, account_id, grants).apply(
            lambda a: json.dumps(policies.queue_policy(a[0], a[1], a[2]))
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass(frozen=True)
class DeadLetterQueue:
    queue: aws.sqs.Queue
    policy: aws.sqs.QueuePolicy
    alarm: aws.cloudwatch.MetricAlarm


def create_dead_letter_queue(
    name: str,
    spec: QueueSpec,
    *,
    account_id: pulumi.Input[str],
    grants: pulumi.Input[Sequence[policies.SendGrant]],
    alarm_description: str,
    alarm_topic_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> DeadLetterQueue:
    """A dead-letter queue (`name`), its one policy (`<name>-policy`, as create_queue_policy) and an alarm on its
    first message (`<name>-alarm`), all children of `parent`."""
    queue = create_queue(name, spec, parent)
    policy = create_queue_policy(f"{name}-policy", queue, account_id=account_id, grants=grants, parent=parent)
    alarm = create_dlq_alarm(
        f"{name}-alarm",
        queue_name=queue.name,
        description=alarm_description,
        topic_arn=alarm_topic_arn,
        tags=spec.tags,
        parent=parent,
    )
    return DeadLetterQueue(queue=queue, policy=policy, alarm=alarm)
