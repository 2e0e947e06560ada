"""IAM, queue and key policies as plain dicts, built by pure functions.

The components `json.dumps` them at the resource (inside an `apply` only to
resolve ARNs). Every Allow names its actions and resources; every statement
for a service principal is scoped to exactly the topic or rule that feeds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

VERSION = "2012-10-17"

SNS_PRINCIPAL = "sns.amazonaws.com"
EVENTS_PRINCIPAL = "events.amazonaws.com"
LAMBDA_PRINCIPAL = "lambda.amazonaws.com"
CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com"
INVOKE_ACTION = "lambda:InvokeFunction"  # what SNS and EventBridge need on a direct consumer's function

# Actions per role, named once.
CONSUMER_QUEUE_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
)
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
IDEMPOTENCY_TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
KMS_DECRYPT_ACTIONS = ("kms:Decrypt",)
KMS_ENCRYPT_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")  # sending to an encrypted queue/topic
SEND_ACTIONS = {"sqs": ("sqs:SendMessage",), "sns": ("sns:Publish",), "events": ("events:PutEvents",)}
EVENTS_CHANNEL = "events"  # the channel kind whose sender needs no key


@dataclass(frozen=True, kw_only=True)
class SendGrant:
    """Lets one AWS service send to a queue (or use the key) on behalf of exactly these sources.

    The components pass the sources as Outputs; the policy functions get them resolved.
    """

    service: str  # e.g. sns.amazonaws.com
    source_arns: tuple  # the topic or rule ARNs (aws:SourceArn)


def redrive_policy(dead_letter_arn: str, max_receive_count: int | None = None) -> dict:
    """Where undeliverable messages go: a queue's redrive (with its receive count) or an SNS subscription's."""
    policy: dict = {"deadLetterTargetArn": dead_letter_arn}
    if max_receive_count is not None:
        policy["maxReceiveCount"] = max_receive_count
    return policy


def deny_insecure_transport(resource_arn: str, action: str) -> dict:
    """Refuse every request that does not use TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resource_arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def queue_policy(queue_arn: str, account_id: str, grants: Sequence[SendGrant]) -> dict:
    """The one policy of a queue: TLS only, plus sqs:SendMessage for each granted source."""
    statements = [deny_insecure_transport(queue_arn, "sqs:*")]
    for grant in grants:
        statements.append(
            {
                "Sid": "Allow" + grant.service.split(".")[0].capitalize() + "SendMessage",
                "Effect": "Allow",
                "Principal": {"Service": grant.service},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": list(grant.source_arns)},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            }
        )
    return {"Version": VERSION, "Statement": statements}


def topic_policy(topic_arn: str, account_id: str) -> dict:
    """TLS only, and only this account's principals may publish or subscribe."""
    return {
        "Version": VERSION,
        "Statement": [
            deny_insecure_transport(topic_arn, "sns:Publish"),
            {
                "Sid": "AllowAccountPublish",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes"],
                "Resource": topic_arn,
            },
        ],
    }


def lambda_assume_role_policy() -> dict:
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": LAMBDA_PRINCIPAL},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def events_assume_role_policy(*, rule_arn: str, account_id: str) -> dict:
    """Trust for a role EventBridge assumes to deliver one rule's events: that rule of this account only."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "EventsAssumesForRule",
                "Effect": "Allow",
                "Principal": {"Service": EVENTS_PRINCIPAL},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": [rule_arn]},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            }
        ],
    }


def forward_role_policy(*, bus_arn: str) -> dict:
    """What a forwarding rule's role may do: put events on exactly the bus it forwards to, nothing else."""
    return {"Version": VERSION, "Statement": [_allow("PutEventsOnTargetBus", SEND_ACTIONS["events"], [bus_arn])]}


def _allow(sid: str, actions: Sequence[str], resources: Sequence[str]) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": list(resources)}


def logs_statement(log_group_arn: str) -> dict:
    # Log streams are sub-resources of the group: "<group arn>:*".
    return _allow("WriteOwnLogs", LOG_ACTIONS, [f"{log_group_arn}:*"])


def consumer_role_policy(
    *,
    queue_arn: str | None,
    log_group_arn: str,
    table_arn: str | None,
    kms_key_arn: str | None,
    dead_letter_arn: str | None = None,
) -> dict:
    """What a consumer function may do: read and delete from its own queue, log, and optionally dedupe/decrypt.

    A direct consumer has no queue (`queue_arn` None); Lambda sends its failed invocations to its
    dead-letter queue (`dead_letter_arn`) with the function's role, so the role may send there only.
    """
    statements = []
    if queue_arn is not None:
        statements.append(_allow("ConsumeOwnQueue", CONSUMER_QUEUE_ACTIONS, [queue_arn]))
    if dead_letter_arn is not None:
        statements.append(_allow("DeadLetterFailedInvocations", SEND_ACTIONS["sqs"], [dead_letter_arn]))
    statements.append(logs_statement(log_group_arn))
    if table_arn is not None:
        statements.append(_allow("IdempotencyRecords", IDEMPOTENCY_TABLE_ACTIONS, [table_arn]))
    if kms_key_arn is not None:
        # Sending to an encrypted DLQ needs a data key; reading an encrypted queue needs decrypt only.
        actions = KMS_ENCRYPT_ACTIONS if dead_letter_arn is not None else KMS_DECRYPT_ACTIONS
        statements.append(_allow("DecryptMessages", actions, [kms_key_arn]))
    return {"Version": VERSION, "Statement": statements}


def publish_policy(*, targets: Sequence[tuple[str, str]], kms_key_arn: str | None) -> dict:
    """Exactly what publishing into the stack needs, for the producer functions and for publishers
    outside the stack: send to the current channel (first) and, while a topology drains, to the
    previous one too; and use the key where the channel encrypts with it.

    `targets` are (channel kind, target ARN) pairs. Sending to an encrypted queue or topic needs
    the key; PutEvents does not: EventBridge itself encrypts the bus, through its own grant in the
    key policy (docs/architecture.md).
    """
    statements = [
        _allow("SendToTarget" if index == 0 else f"SendToDrainingTarget{index}", SEND_ACTIONS[channel], [target_arn])
        for index, (channel, target_arn) in enumerate(targets)
    ]
    if kms_key_arn is not None and any(channel != EVENTS_CHANNEL for channel, _ in targets):
        statements.append(_allow("EncryptMessages", KMS_ENCRYPT_ACTIONS, [kms_key_arn]))
    return {"Version": VERSION, "Statement": statements}


def producer_role_policy(*, targets: Sequence[tuple[str, str]], log_group_arn: str, kms_key_arn: str | None) -> dict:
    """What a producer function may do: publish (exactly `publish_policy`) and write its own logs."""
    publish = publish_policy(targets=targets, kms_key_arn=kms_key_arn)
    return {"Version": VERSION, "Statement": [*publish["Statement"], logs_statement(log_group_arn)]}


def alarm_topic_policy(topic_arn: str, account_id: str, region: str) -> dict:
    """TLS only; CloudWatch alarms of this account (and its principals) may publish."""
    return {
        "Version": VERSION,
        "Statement": [
            deny_insecure_transport(topic_arn, "sns:Publish"),
            {
                "Sid": "AllowCloudWatchAlarms",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDWATCH_PRINCIPAL},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {
                    # Alarm ARNs are not known before the alarms exist: scope to this account's alarms.
                    "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{region}:{account_id}:alarm:*"},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            },
            {
                "Sid": "AllowAccountSubscribe",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": ["sns:Subscribe", "sns:GetTopicAttributes"],
                "Resource": topic_arn,
            },
        ],
    }


# Key administration for the account, listed action by action (no kms:*).
KMS_ADMIN_ACTIONS = (
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:UpdateKeyDescription",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ListResourceTags",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:CreateGrant",
    "kms:ListGrants",
    "kms:RevokeGrant",
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
)
# What the account's own principals may do, subject to their IAM policies.
KMS_USE_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo")
# What SNS / EventBridge / CloudWatch need to write to an encrypted queue or topic.
KMS_SERVICE_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
# What EventBridge needs to encrypt a bus and its archive with the key (AWS: "Authorizing EventBridge
# to use a customer managed key", and "Encrypting archives", which adds the re-encrypt actions).
KMS_BUS_ACTIONS = ("kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo")


def key_policy(account_id: str, region: str, grants: Sequence[SendGrant], bus_arns: Sequence[str] = ()) -> dict:
    """The stack key's policy. In a key policy, Resource "*" means this key only."""
    root = f"arn:aws:iam::{account_id}:root"
    statements = [
        {
            "Sid": "AccountAdministersKey",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": list(KMS_ADMIN_ACTIONS),
            "Resource": "*",
        },
        # Lets IAM policies (the consumer and producer roles) grant use of the key.
        {
            "Sid": "AccountPrincipalsUseKeyThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": list(KMS_USE_ACTIONS),
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchAlarmsNotify",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDWATCH_PRINCIPAL},
            "Action": list(KMS_SERVICE_ACTIONS),
            "Resource": "*",
            "Condition": {
                "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{region}:{account_id}:alarm:*"},
                "StringEquals": {"aws:SourceAccount": account_id},
            },
        },
    ]
    for grant in grants:
        statements.append(
            {
                "Sid": grant.service.split(".")[0].capitalize() + "DeliversToQueues",
                "Effect": "Allow",
                "Principal": {"Service": grant.service},
                "Action": list(KMS_SERVICE_ACTIONS),
                "Resource": "*",
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": list(grant.source_arns)},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            }
        )
    if bus_arns:
        statements.append(
            {
                "Sid": "EventsEncryptsBus",
                "Effect": "Allow",
                "Principal": {"Service": EVENTS_PRINCIPAL},
                "Action": list(KMS_BUS_ACTIONS),
                "Resource": "*",
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": list(bus_arns)},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            }
        )
    return {"Version": VERSION, "Statement": statements}
