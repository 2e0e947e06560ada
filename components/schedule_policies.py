"""The schedules' IAM documents as plain dicts, built by pure functions (components/schedules.py dumps them).

EventBridge Scheduler acts through an execution role: it assumes the role to
invoke the producer and to send a dead-letter event to the schedules' DLQ, so
the role may do exactly those two things, and only Scheduler, for this
account's schedules in this stack's schedule group, may assume it.
"""

from __future__ import annotations

from components.policies import KMS_ENCRYPT_ACTIONS, VERSION

SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"
INVOKE_ACTIONS = ("lambda:InvokeFunction",)
DEAD_LETTER_ACTIONS = ("sqs:SendMessage",)


def schedule_arn_pattern(group_arn: str) -> str:
    """Every schedule in a group: arn:aws:scheduler:R:A:schedule-group/G -> arn:aws:scheduler:R:A:schedule/G/*."""
    prefix, _, group = group_arn.rpartition(":schedule-group/")
    return f"{prefix}:schedule/{group}/*"


def scheduler_assume_role_policy(account_id: str, group_arn: str) -> dict:
    """Only EventBridge Scheduler, for this account's schedules in this group (confused-deputy conditions)."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "SchedulerAssumesForThisGroup",
                "Effect": "Allow",
                "Principal": {"Service": SCHEDULER_PRINCIPAL},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": schedule_arn_pattern(group_arn)},
                },
            }
        ],
    }


def scheduler_role_policy(*, function_arn: str, dlq_arn: str, kms_key_arn: str | None) -> dict:
    """Invoke the producer; send a failed invocation's dead-letter event to the DLQ (with its key, when it has one)."""
    statements = [
        {"Sid": "InvokeProducer", "Effect": "Allow", "Action": list(INVOKE_ACTIONS), "Resource": [function_arn]},
        {"Sid": "SendDeadLetters", "Effect": "Allow", "Action": list(DEAD_LETTER_ACTIONS), "Resource": [dlq_arn]},
    ]
    if kms_key_arn is not None:
        statements.append(
            {
                "Sid": "EncryptDeadLetters",
                "Effect": "Allow",
                "Action": list(KMS_ENCRYPT_ACTIONS),
                "Resource": [kms_key_arn],
            }
        )
    return {"Version": VERSION, "Statement": statements}


def producer_dead_letter_policy(*, dlq_arn: str, kms_key_arn: str | None) -> dict:
    """The producer's grant to send the record of a scheduled run that kept failing to the DLQ (its on-failure
    destination: Lambda sends it with the function's own role)."""
    statements = [
        {"Sid": "SendFailedRuns", "Effect": "Allow", "Action": list(DEAD_LETTER_ACTIONS), "Resource": [dlq_arn]}
    ]
    if kms_key_arn is not None:
        statements.append(
            {
                "Sid": "EncryptFailedRuns",
                "Effect": "Allow",
                "Action": list(KMS_ENCRYPT_ACTIONS),
                "Resource": [kms_key_arn],
            }
        )
    return {"Version": VERSION, "Statement": statements}
