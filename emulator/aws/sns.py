"""SNS: topics, topic policies and subscriptions (SQS and Lambda endpoints are delivered; email and HTTP are
recorded)."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import TYPE_CHECKING, Any, Callable, Iterator
from unittest import mock

from ..errors import EmulatorError
from ..matching import SNS, UnsupportedPattern, matches, without_cidr
from . import invocations
from .base import Declared, Route, boolean, gone, json_text, nothing, refuse_keys, same, sbool, tags_of, upsert
from .lambda_ import permits

SNS_SERVICE = invocations.SNS

RAW_DELIVERY_MAX_ATTRIBUTES = 10  # SNS drops a raw delivery to SQS with more message attributes

if TYPE_CHECKING:
    from .dispatch import AwsMocks


def topic(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared | None = None) -> tuple[str, dict]:
    refuse_keys(
        typ,
        name,
        inputs,
        {
            "name",
            "namePrefix",
            "fifoTopic",
            "contentBasedDeduplication",
            "kmsMasterKeyId",
            "tags",
            "displayName",
            "policy",
            "signatureVersion",
            "tracingConfig",
            "archivePolicy",
            "fifoThroughputScope",
        },
    )
    fifo = boolean(inputs.get("fifoTopic", False))
    tname = m.physical_name(typ, name, inputs, fifo=fifo)
    attrs = {}
    if fifo:
        attrs["FifoTopic"] = "true"
    if inputs.get("contentBasedDeduplication") is not None:
        attrs["ContentBasedDeduplication"] = sbool(inputs["contentBasedDeduplication"])
    if inputs.get("kmsMasterKeyId"):
        attrs["KmsMasterKeyId"] = str(inputs["kmsMasterKeyId"])
    if inputs.get("displayName"):
        attrs["DisplayName"] = str(inputs["displayName"])
    if inputs.get("policy"):
        attrs["Policy"] = json_text(inputs["policy"])
    kwargs: dict[str, Any] = {"Name": tname, "Attributes": attrs}
    if inputs.get("tags"):
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in tags_of(inputs).items()]
    arn = m.c["sns"].create_topic(**kwargs)["TopicArn"]  # the existing topic when it exists (an update)
    if prior is not None:
        for key, value in attrs.items():
            if key != "FifoTopic":
                m.c["sns"].set_topic_attributes(TopicArn=arn, AttributeName=key, AttributeValue=value)
    m.topics[arn] = {"name": tname, "resource": name, "inputs": inputs, "fifo": fifo}
    return arn, {"arn": arn, "name": tname, "id": arn, "owner": m.account}


def topic_policy(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"arn", "policy"})
    m.c["sns"].set_topic_attributes(
        TopicArn=inputs["arn"], AttributeName="Policy", AttributeValue=json_text(inputs["policy"])
    )
    return inputs["arn"], {"id": inputs["arn"], "owner": m.account}


def subscription(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(
        typ,
        name,
        inputs,
        {
            "topic",
            "protocol",
            "endpoint",
            "filterPolicy",
            "filterPolicyScope",
            "rawMessageDelivery",
            "redrivePolicy",
            "confirmationTimeoutInMinutes",
            "endpointAutoConfirms",
        },
    )
    topic, protocol, endpoint = inputs.get("topic"), inputs.get("protocol"), inputs.get("endpoint")
    if topic not in m.topics:
        raise EmulatorError(f"{typ} {name!r}: topic {topic!r} is not a topic the program declared")
    if protocol in ("email", "email-json", "sms", "http", "https"):
        # Needs a human (or a web server) to confirm: recorded, never delivered.
        arn = f"{topic}:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"
        m.recorded_only.append(Declared(typ, name, inputs, arn))
        return arn, {"arn": arn, "id": arn, "pendingConfirmation": True}
    if protocol == "lambda":
        return _lambda_subscription(m, typ, name, inputs)
    if protocol != "sqs":
        raise EmulatorError(f"{typ} {name!r}: protocol {protocol!r} is not emulated")
    # moto treats any non-empty string as true: the attribute is set only when on.
    raw = {"RawMessageDelivery": "true"} if boolean(inputs.get("rawMessageDelivery", False)) else {}
    return _subscribe(
        m,
        name,
        inputs,
        kind="sns-subscription",
        extra=raw,
        checks=lambda: {"policy_at_creation": m.policy_now(endpoint)},
    )


def _lambda_subscription(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    """SNS invokes a declared function (a direct consumer); the emulator's Lambda service runs it."""
    topic, endpoint = inputs["topic"], inputs.get("endpoint")
    if not any(endpoint in (f.arn, f"{f.arn}:$LATEST") for f in m.functions):
        raise EmulatorError(f"{typ} {name!r}: endpoint {endpoint!r} is not a function the program declared")
    if boolean(inputs.get("rawMessageDelivery", False)):
        raise EmulatorError(f"{typ} {name!r}: SNS has no raw message delivery to Lambda (AWS refuses the attribute)")
    return _subscribe(
        m,
        name,
        inputs,
        kind="sns-lambda",
        extra={},
        checks=lambda: {"permitted_at_creation": permits(m, endpoint, SNS_SERVICE, topic)},
    )


def _subscribe(
    m: AwsMocks, name: str, inputs: dict, *, kind: str, extra: dict[str, str], checks: Callable[[], dict]
) -> tuple[str, dict]:
    """An sqs or lambda subscription with its filter policy, `extra` attributes and redrive policy (the DLQ its
    route records), and its route with what `checks` reads once the subscription exists."""
    topic, protocol, endpoint = inputs["topic"], inputs["protocol"], inputs.get("endpoint")
    attrs: dict[str, str] = {}
    if inputs.get("filterPolicy"):
        # Scope first: moto validates the policy against the scope already set.
        attrs["FilterPolicyScope"] = str(inputs.get("filterPolicyScope") or "MessageAttributes")
        attrs["FilterPolicy"] = json_text(inputs["filterPolicy"])
    attrs.update(extra)
    dlq = None
    if inputs.get("redrivePolicy"):
        attrs["RedrivePolicy"] = json_text(inputs["redrivePolicy"])
        dlq = json.loads(attrs["RedrivePolicy"]).get("deadLetterTargetArn")
    arn = m.c["sns"].subscribe(
        TopicArn=topic, Protocol=protocol, Endpoint=endpoint, Attributes=attrs, ReturnSubscriptionArn=True
    )["SubscriptionArn"]
    m.routes.append(Route(kind, name, topic, endpoint, dlq, {"arn": arn, "attributes": attrs, **checks()}))
    return arn, {"arn": arn, "id": arn, "ownerId": m.account, "confirmationWasAuthenticated": True}


def lambda_event(subscription: Any, message: str, message_id: str, subject: Any, attributes: dict) -> dict:
    """The event SNS invokes a function with: one record carrying the notification."""
    note = subscription.get_post_data(message, message_id, subject, message_attributes=attributes)
    sns = {
        "Type": note["Type"],
        "MessageId": note["MessageId"],
        "TopicArn": note["TopicArn"],
        "Subject": note.get("Subject"),
        "Message": note["Message"],
        "Timestamp": note["Timestamp"],
        "SignatureVersion": note["SignatureVersion"],
        "Signature": note["Signature"],
        "SigningCertUrl": note["SigningCertURL"],
        "UnsubscribeUrl": note["UnsubscribeURL"],
        "MessageAttributes": note.get("MessageAttributes") or {},
    }
    record = {"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": subscription.arn, "Sns": sns}
    return {"Records": [record]}


def update_topic(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared) -> tuple[str, dict] | None:
    if not same(prior, inputs, "name", "namePrefix", "fifoTopic"):
        return None
    return topic(m, typ, name, inputs, prior)


def delete_topic(m: AwsMocks, prior: Declared) -> None:
    with gone():
        m.c["sns"].delete_topic(TopicArn=prior.id)


def delete_subscription(m: AwsMocks, prior: Declared) -> None:
    if prior.inputs.get("protocol") in ("sqs", "lambda"):  # the others were recorded only
        with gone():
            m.c["sns"].unsubscribe(SubscriptionArn=prior.id)


RESOURCES = {
    "aws:sns/topic:Topic": topic,
    "aws:sns/topicPolicy:TopicPolicy": topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": subscription,
}
# A subscription whose inputs change is replaced (unsubscribe, subscribe), as the provider does for most of them.
UPDATES = {"aws:sns/topic:Topic": update_topic, "aws:sns/topicPolicy:TopicPolicy": upsert(topic_policy)}
DELETES = {
    "aws:sns/topic:Topic": delete_topic,
    "aws:sns/topicPolicy:TopicPolicy": nothing,  # the topic goes with its policy, or keeps the last one
    "aws:sns/topicSubscription:TopicSubscription": delete_subscription,
}


# ------------------------------------------------------------ moto extension
def _expect(backend: Any, topic_arn: str, message: str, attributes: dict | None) -> None:
    """Record, on each SQS queue whose subscription selects ``message``, that it must arrive there."""
    from moto.sqs.models import sqs_backends  # noqa: PLC0415

    from .sqs import expected  # noqa: PLC0415

    try:
        body = json.loads(message)
    except ValueError:
        body = None
    queues = sqs_backends[backend.account_id][backend.region_name]
    for sub in list(backend.subscriptions.values()):
        if sub.topic_arn != topic_arn or sub.protocol != "sqs":
            continue
        raw = sub.attributes.get("RawMessageDelivery") in (True, "true")
        if raw and len(attributes or {}) > RAW_DELIVERY_MAX_ATTRIBUTES:
            continue
        policy, scope = sub._filter_policy, sub.attributes.get("FilterPolicyScope")
        if policy and scope == "MessageBody":
            if not (isinstance(body, dict) and matches(policy, body, SNS)):
                continue
        elif sub._filter_policy_matcher is not None and not sub._filter_policy_matcher.matches(attributes, message):
            continue  # an attribute policy (the program writes none): moto's own matcher decides
        queue = queues.queues.get(sub.endpoint.rsplit(":", 1)[-1])
        if queue is not None:
            expected(queue).append(message)


@contextlib.contextmanager
def aws_semantics() -> Iterator[None]:
    """SNS as AWS answers it, where moto differs (installed for the length of a run).

    * payload filter policies are matched with the documented semantics
      (``emulator.matching``) instead of moto's matcher;
    * moto's subscribe-time policy check lacks ``cidr``, which SNS accepts;
    * with raw delivery, SNS drops a message carrying more than 10 attributes;
    * a publish reaches every subscription of the topic (moto delivers to the
      first page of ListSubscriptionsByTopic only: 100 subscriptions);
    * a lambda subscription that selects a message hands its invocation to
      the emulator's Lambda service (``invocations``), not to moto's Lambda.
    """
    # moto loads when a run starts, not when the CLI parses its arguments.
    from moto.moto_api._internal import mock_random  # noqa: PLC0415
    from moto.sns.models import SNSBackend, Subscription, Topic  # noqa: PLC0415
    from moto.sns.utils import FilterPolicyMatcher  # noqa: PLC0415

    original_matches = FilterPolicyMatcher.matches
    original_validate = SNSBackend._validate_filter_policy
    original_deliver = Subscription.publish

    def validate_filter_policy(self, value, scope):
        return original_validate(self, without_cidr(value), scope)

    def sns_matches(self, message_attributes, message):
        if self.filter_policy and self.filter_policy_scope == "MessageBody":
            try:
                body = json.loads(message)
            except ValueError:
                return False
            try:
                return matches(self.filter_policy, body, SNS)
            except UnsupportedPattern as exc:
                raise EmulatorError(f"SNS filter policy {json.dumps(self.filter_policy)}: {exc}") from exc
        return original_matches(self, message_attributes, message)

    def deliver(self, message, message_id, *args, **kwargs):
        attributes = kwargs.get("message_attributes") or {}
        if self.protocol == "lambda":
            # A direct consumer: the emulator's Lambda service invokes it (moto's Lambda would need Docker).
            if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(attributes, message):
                return None
            event = lambda_event(self, message, message_id, kwargs.get("subject"), attributes)
            note = self.get_post_data(message, message_id, kwargs.get("subject"), message_attributes=attributes)
            invocations.push(invocations.Pushed(SNS_SERVICE, self.topic_arn, self.endpoint, event, json.dumps(note)))
            return None
        if (
            self.protocol == "sqs"
            and self.attributes.get("RawMessageDelivery") in (True, "true")
            and len(attributes) > RAW_DELIVERY_MAX_ATTRIBUTES
        ):
            return None
        return original_deliver(self, message, message_id, *args, **kwargs)

    def publish_to_every_subscription(
        self, message, subject=None, message_attributes=None, group_id=None, deduplication_id=None, **kwargs
    ):
        message_id = str(mock_random.uuid4())
        _expect(self.sns_backend, self.arn, message, message_attributes)
        for subscription in list(self.sns_backend._get_topic_subscriptions(self)):
            subscription.publish(
                message,
                message_id,
                subject=subject,
                message_attributes=message_attributes,
                group_id=group_id,
                deduplication_id=deduplication_id,
                **kwargs,
            )
        self.sent_notifications.append((message_id, message, subject, message_attributes, group_id))
        return message_id

    with (
        mock.patch.object(Topic, "publish", publish_to_every_subscription),
        mock.patch.object(SNSBackend, "_validate_filter_policy", validate_filter_policy),
        mock.patch.object(FilterPolicyMatcher, "matches", sns_matches),
        mock.patch.object(Subscription, "publish", deliver),
    ):
        yield
