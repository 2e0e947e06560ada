"""The emulator's own rule engines, checked directly (fast): content matching
and policy evaluation decide what the end-to-end runs deliver, so their edge
cases are pinned here against the AWS documentation's examples."""

from __future__ import annotations

import json

import pytest
from e2e_support import ROOT  # noqa: F401 - puts the project on sys.path

from emulator.matching import UnsupportedPattern, matches
from emulator.policy import identity_policy_allows, key_policy_allows, resource_policy_allows

QUEUE = "arn:aws:sqs:eu-west-1:123456789012:orders"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:events"
OTHER_TOPIC = "arn:aws:sns:eu-west-1:123456789012:other"
ACCOUNT = "123456789012"

DOC = {"type": "OrderCreated", "data": {"total": 1000, "tags": ["a", "b"], "name": "Vip", "nested": {"x": 1}}}


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ({"type": ["OrderCreated"]}, True),
        ({"type": ["orderCreated"]}, False),
        ({"type": [{"equals-ignore-case": "ORDERCREATED"}]}, True),
        ({"data": {"total": [{"numeric": [">=", 1000]}]}}, True),
        ({"data": {"total": [{"numeric": [">", 1000]}]}}, False),
        ({"data": {"total": [{"numeric": [">", 0, "<", 1000]}]}}, False),
        ({"data": {"total": [1000.0]}}, True),
        ({"data": {"total": ["1000"]}}, False),
        ({"data": {"tags": ["b"]}}, True),  # arrays: any element
        ({"data": {"tags": [{"anything-but": ["a"]}]}}, True),
        ({"data": {"name": [{"prefix": "V"}], "total": [1000]}}, True),
        ({"data": {"name": [{"suffix": {"equals-ignore-case": "IP"}}]}}, True),
        ({"data": {"name": [{"anything-but": {"prefix": "V"}}]}}, False),
        ({"data": {"missing": [{"exists": False}]}}, True),
        ({"data": {"missing": [{"anything-but": "x"}]}}, False),  # absent keys match only exists:false
        ({"nothere": {"deeper": [{"exists": False}]}}, True),
        ({"data": {"nested": [{"exists": True}]}}, False),  # exists looks at leaves, not objects
        ({"data": {"total": [{"prefix": "1"}]}}, False),  # no error on a number
        ({"$or": [{"type": ["Nope"]}, {"data": {"total": [1000]}}]}, True),
    ],
)
def test_matching_follows_the_documented_semantics(pattern, expected):
    assert matches(pattern, json.loads(json.dumps(DOC))) is expected


def test_an_operator_outside_the_documented_set_is_refused():
    with pytest.raises(UnsupportedPattern):
        matches({"type": [{"regex": ".*"}]}, DOC)


def send_policy(condition, *extra, principal=None, resource=QUEUE, action="sqs:SendMessage"):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": QUEUE,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "Sns",
                "Effect": "Allow",
                "Principal": principal or {"Service": "sns.amazonaws.com"},
                "Action": action,
                "Resource": resource,
                **({"Condition": condition} if condition else {}),
            },
            *extra,
        ],
    }


def sns_may_send(policy, source=TOPIC):
    return resource_policy_allows(
        json.dumps(policy),
        service="sns.amazonaws.com",
        action="sqs:SendMessage",
        resource=QUEUE,
        source_arn=source,
        account=ACCOUNT,
    )


@pytest.mark.parametrize(
    "policy, source, allowed",
    [
        (send_policy({"ArnEquals": {"aws:SourceArn": TOPIC}}), TOPIC, True),
        (send_policy({"ArnEquals": {"aws:SourceArn": [OTHER_TOPIC, TOPIC]}}), TOPIC, True),
        (send_policy({"ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:ev*"}}), TOPIC, True),
        (send_policy({"ArnEquals": {"aws:SourceArn": TOPIC}}), OTHER_TOPIC, False),
        (send_policy(None), TOPIC, False),  # not scoped to a source
        # Stricter than AWS on purpose: a wildcard principal is not "exactly that source".
        (send_policy({"ArnEquals": {"aws:SourceArn": TOPIC}}, principal="*"), TOPIC, False),
        (
            send_policy({"ArnEquals": {"aws:SourceArn": TOPIC}}, principal={"Service": "events.amazonaws.com"}),
            TOPIC,
            False,
        ),
        (send_policy({"ArnEquals": {"aws:SourceArn": TOPIC}}, resource=QUEUE + "-other"), TOPIC, False),
        (send_policy({"ArnEquals": {"aws:SourceArn": TOPIC}}, action="sqs:ReceiveMessage"), TOPIC, False),
        (
            send_policy({"ArnEquals": {"aws:SourceArn": TOPIC}, "StringEquals": {"aws:SourceAccount": ACCOUNT}}),
            TOPIC,
            True,
        ),
        (
            send_policy({"ArnEquals": {"aws:SourceArn": TOPIC}, "StringEquals": {"aws:SourceAccount": "999"}}),
            TOPIC,
            False,
        ),
        (
            send_policy(
                {"ArnEquals": {"aws:SourceArn": TOPIC}},
                {
                    "Effect": "Deny",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": QUEUE,
                },
            ),
            TOPIC,
            False,
        ),
        ({"Statement": []}, TOPIC, False),
    ],
)
def test_queue_policies_allow_exactly_the_scoped_source(policy, source, allowed):
    assert sns_may_send(policy, source).allowed is allowed


def test_no_policy_and_bad_json_block_with_a_reason():
    assert (
        "no resource policy"
        in resource_policy_allows(
            None,
            service="sns.amazonaws.com",
            action="sqs:SendMessage",
            resource=QUEUE,
            source_arn=TOPIC,
            account=ACCOUNT,
        ).reason
    )
    assert (
        "not valid JSON"
        in resource_policy_allows(
            "{",
            service="sns.amazonaws.com",
            action="sqs:SendMessage",
            resource=QUEUE,
            source_arn=TOPIC,
            account=ACCOUNT,
        ).reason
    )


def test_key_policies_must_grant_both_kms_actions_to_the_service():
    def key(actions):
        return {
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": actions, "Resource": "*"}
            ]
        }

    grant = dict(
        service="sns.amazonaws.com", actions=("kms:GenerateDataKey", "kms:Decrypt"), source_arn=TOPIC, account=ACCOUNT
    )
    assert key_policy_allows(key(["kms:GenerateDataKey*", "kms:Decrypt"]), **grant).allowed
    assert not key_policy_allows(key(["kms:Decrypt"]), **grant).allowed


@pytest.mark.parametrize(
    "action, resource, allowed",
    [
        ("sqs:SendMessage", QUEUE, True),
        ("sqs:SendMessage", QUEUE + "-dlq", False),
        ("sqs:ReceiveMessage", QUEUE, False),
        ("logs:PutLogEvents", "arn:aws:logs:eu-west-1:123456789012:log-group:g:log-stream:s", True),
        ("kms:Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/k", False),  # explicit deny wins
    ],
)
def test_identity_policies_need_action_and_resource(action, resource, allowed):
    policy = {
        "Statement": [
            {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [QUEUE]},
            {"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:eu-west-1:123456789012:log-group:g:*"},
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"},
        ]
    }
    assert identity_policy_allows([json.dumps(policy)], action, resource).allowed is allowed
