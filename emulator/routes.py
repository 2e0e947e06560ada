"""Check every declared push route against what AWS would enforce, after the program ran.

moto delivers from a topic or rule to any queue; AWS delivers only when the
queue's resource policy allows exactly that source and, for a KMS-encrypted
queue, when the key policy lets the service use the key (docs/architecture.md:
who may send where); and it invokes a function (a direct consumer) only when a
Lambda permission lets that service do so from exactly that topic or rule.  A
route that AWS would refuse is removed from the embedded AWS (a direct one is
marked, for ``emulator.async_invoker``) and reported as blocked.  As in AWS, what a blocked route would have
carried then goes to that route's own dead-letter queue (SNS subscription
redrive policy, EventBridge target dead-letter config) when one is configured
and *its* policy allows the source; otherwise it is lost.

A rule that forwards to another event bus puts with a role: AWS delivers only
when the role's trust policy lets EventBridge assume it for that rule and its
policies allow ``events:PutEvents`` on exactly that bus.  (The receiving bus's
own resource policy, needed across accounts, is not checked: the emulator's
second bus is in the same account.)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .aws import AwsMocks, Route, lambda_
from .policy import (
    Request,
    Verdict,
    decide,
    identity_policy_allows,
    key_policy_allows,
    resource_policy_allows,
    statements,
)

SERVICE = {
    "sns-subscription": "sns.amazonaws.com",
    "eventbridge-target": "events.amazonaws.com",
    "sns-lambda": "sns.amazonaws.com",  # a direct consumer: SNS invokes its function
    "eventbridge-lambda": "events.amazonaws.com",
    "eventbridge-bus-target": "events.amazonaws.com",
}
LAMBDA_ROUTES = ("sns-lambda", "eventbridge-lambda")
BUS_TARGET = "eventbridge-bus-target"  # a rule that forwards to another event bus, with a role


@dataclass
class BlockedRoute:
    resource: str  # the Pulumi resource (subscription or target)
    # sns-subscription | eventbridge-target | eventbridge-bus-target | sns-lambda | eventbridge-lambda | sns-redrive
    # | eventbridge-target-dlq
    kind: str
    source: str  # topic or rule ARN
    # queue name the route delivers to (the function's name for a direct consumer's route, an event bus ARN for
    # eventbridge-bus-target)
    queue: str
    reason: str
    fallback: str | None = None  # where undeliverable messages go instead (a DLQ name), if anywhere
    consumer: str | None = None  # set here for a forwarding rule (named after its consumer), else by the report

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items()}


def check_delivery(mocks: AwsMocks, kind: str, source_arn: str, queue_arn: str, *, as_dlq: bool = False) -> Verdict:
    """Would ``kind``'s service deliver from ``source_arn`` into ``queue_arn``?"""
    service = SERVICE[kind]
    queue = mocks.queues.get(queue_arn)
    if queue is None:
        return Verdict(False, f"{queue_arn} is not a queue the program declared")
    attrs = mocks.c["sqs"].get_queue_attributes(QueueUrl=queue["url"], AttributeNames=["All"])["Attributes"]
    fifo = attrs.get("FifoQueue") == "true"
    if as_dlq and kind.startswith("eventbridge") and fifo:
        return Verdict(False, "an EventBridge target dead-letter queue must be a standard queue")
    verdict = resource_policy_allows(
        attrs.get("Policy"),
        service=service,
        action="sqs:SendMessage",
        resource=queue_arn,
        source_arn=source_arn,
        account=mocks.account,
    )
    if not verdict.allowed:
        if verdict.reason == "no resource policy":
            return Verdict(False, f"{queue['name']} has no queue policy")
        return Verdict(False, f"queue policy of {queue['name']}: {verdict.reason}")
    key = attrs.get("KmsMasterKeyId")
    if key:
        desc, rec = mocks.resolve_kms_key(key)
        if desc and desc.startswith("alias/aws/"):
            return Verdict(
                False,
                f"{queue['name']} is encrypted with the AWS-managed key {desc}, whose policy cannot grant {service}",
            )
        if rec is None:
            return Verdict(False, f"{queue['name']} is encrypted with key {key!r}, which the program did not declare")
        kv = key_policy_allows(
            rec["policy"],
            service=service,
            actions=("kms:GenerateDataKey", "kms:Decrypt"),
            source_arn=source_arn,
            account=mocks.account,
        )
        if not kv.allowed:
            return Verdict(False, f"KMS key of {queue['name']}: {kv.reason}")
    if kind == "eventbridge-target" and fifo and not as_dlq:
        if attrs.get("ContentBasedDeduplication") != "true":
            return Verdict(False, f"FIFO queue {queue['name']} needs content-based deduplication for EventBridge")
    return Verdict(True, verdict.reason)


def _function_name(mocks: AwsMocks, arn: str) -> str:
    return next((f.name for f in mocks.functions if arn in (f.arn, f"{f.arn}:$LATEST")), arn)


def _invoke_verdict(mocks: AwsMocks, route: Route) -> Verdict:
    """Would Lambda let the route's service invoke its function (the function's resource policy)?"""
    if lambda_.permits(mocks, route.target_arn, SERVICE[route.kind], route.source_arn):
        return Verdict(True, "a Lambda permission allows it")
    return Verdict(
        False,
        f"no Lambda permission lets {SERVICE[route.kind]} invoke {_function_name(mocks, route.target_arn)} "
        f"from {route.source_arn}",
    )


def check_forward(mocks: AwsMocks, route: Route) -> Verdict:
    """Would EventBridge put the events of rule ``route.source_arn`` on bus ``route.target_arn`` with its role?"""
    role_arn = route.detail["target"].get("RoleArn") or ""
    name = role_arn.rsplit("/", 1)[-1]
    iam = mocks.c["iam"]
    try:
        trust = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
        docs = [
            iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
            for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
        ]
    except iam.exceptions.NoSuchEntityException:
        return Verdict(False, f"role {role_arn} does not exist")
    context = {"aws:SourceArn": route.source_arn, "aws:SourceAccount": mocks.account, "aws:SecureTransport": "true"}
    trusted = decide(statements(trust), Request("sts:AssumeRole", None, SERVICE[BUS_TARGET], context))
    if trusted.allowed_by is None:
        return Verdict(
            False, f"the trust policy of role {name} does not let events.amazonaws.com assume it for {route.source_arn}"
        )
    allowed = identity_policy_allows(docs, "events:PutEvents", route.target_arn)
    if not allowed.allowed:
        return Verdict(False, f"role {name} does not allow events:PutEvents on {route.target_arn} ({allowed.reason})")
    return Verdict(True, f"role {name}: {allowed.reason}")


def _remove(mocks: AwsMocks, route: Route) -> None:
    if route.kind == "sns-subscription":
        mocks.c["sns"].unsubscribe(SubscriptionArn=route.detail["arn"])
    else:
        mocks.c["events"].remove_targets(
            Rule=route.detail["rule"], EventBusName=route.detail["bus"], Ids=[route.detail["target"]["Id"]]
        )


def _reroute_to_dlq(mocks: AwsMocks, route: Route) -> None:
    dlq = route.dlq_arn
    if route.kind == "sns-subscription":
        attrs = {k: v for k, v in route.detail["attributes"].items() if k != "RedrivePolicy"}
        # Recorded so emulator.metrics counts what reaches the DLQ this way as a failed notification.
        route.detail["fallback_subscription"] = mocks.c["sns"].subscribe(
            TopicArn=route.source_arn, Protocol="sqs", Endpoint=dlq, Attributes=attrs, ReturnSubscriptionArn=True
        )["SubscriptionArn"]
    else:
        target = {"Id": f"{route.detail['target']['Id']}-dlq"[:64], "Arn": dlq}
        mocks.c["events"].put_targets(Rule=route.detail["rule"], EventBusName=route.detail["bus"], Targets=[target])
        route.detail["fallback_target"] = target["Id"]  # not an invocation of its own (emulator.metrics)


def ordering_warnings(mocks: AwsMocks) -> list[str]:
    """Routes created before their queue's policy allowed them (their first deliveries fail in AWS).

    Pulumi creates resources in dependency order; a subscription or target that
    does not depend on the queue policy can be created first, and AWS then
    drops what is published during the deployment.
    """
    warnings = []
    for route in mocks.routes:
        if route.kind in LAMBDA_ROUTES:
            now_permitted = lambda_.permits(mocks, route.target_arn, SERVICE[route.kind], route.source_arn)
            if now_permitted and not route.detail["permitted_at_creation"]:
                warnings.append(
                    f"{route.kind} {route.resource} was created before the Lambda permission that lets it invoke "
                    f"{_function_name(mocks, route.target_arn)}: messages sent during the deployment would go to its "
                    "DLQ (make it depend on the Permission)"
                )
            continue
        if route.kind == BUS_TARGET:
            continue  # no queue policy: the role is what lets it deliver
        then = resource_policy_allows(
            route.detail.get("policy_at_creation"),
            service=SERVICE[route.kind],
            action="sqs:SendMessage",
            resource=route.target_arn,
            source_arn=route.source_arn,
            account=mocks.account,
        )
        now = check_delivery(mocks, route.kind, route.source_arn, route.target_arn)
        if now.allowed and not then.allowed:
            queue = mocks.queues.get(route.target_arn, {}).get("name", route.target_arn)
            warnings.append(
                f"{route.kind} {route.resource} was created before the policy of {queue} allowed it: "
                "messages sent during the deployment would be lost (make it depend on the QueuePolicy)"
            )
    return warnings


def enforce(mocks: AwsMocks, routes: list[Route] | None = None) -> list[BlockedRoute]:
    """Remove the routes AWS would refuse; return them (and latent DLQ-route problems). ``routes``: only these
    (an update checks the routes it created or changed), default every declared route."""
    blocked: list[BlockedRoute] = []
    dlq_kind = {
        "sns-subscription": "sns-redrive",
        "eventbridge-target": "eventbridge-target-dlq",
        "sns-lambda": "sns-redrive",
        "eventbridge-lambda": "eventbridge-target-dlq",
        BUS_TARGET: "eventbridge-target-dlq",
    }
    for route in mocks.routes if routes is None else routes:
        queue_name = mocks.queues.get(route.target_arn, {}).get("name", route.target_arn)
        forwarding = route.kind == BUS_TARGET
        if route.kind in LAMBDA_ROUTES:
            queue_name = _function_name(mocks, route.target_arn)
            verdict = _invoke_verdict(mocks, route)
        elif forwarding:
            verdict = check_forward(mocks, route)
        else:
            verdict = check_delivery(mocks, route.kind, route.source_arn, route.target_arn)
        # A target's DLQ is a queue, whatever the target is.
        queue_kind = "eventbridge-target" if forwarding else route.kind
        consumer = mocks.rules.get(route.source_arn, {}).get("name") if forwarding else None
        dlq_verdict = None
        if route.dlq_arn:
            dlq_verdict = check_delivery(mocks, queue_kind, route.source_arn, route.dlq_arn, as_dlq=True)
        dlq_name = mocks.queues.get(route.dlq_arn or "", {}).get("name", route.dlq_arn)
        if not verdict.allowed and route.kind in LAMBDA_ROUTES:
            # The service keeps trying to invoke, then dead-letters: emulator.async_invoker reads these.
            route.detail["blocked"] = verdict.reason
            fallback = dlq_name if dlq_verdict is not None and dlq_verdict.allowed else None
            route.detail["fallback"] = route.dlq_arn if fallback else None
            blocked.append(
                BlockedRoute(route.resource, route.kind, route.source_arn, queue_name, verdict.reason, fallback)
            )
        elif not verdict.allowed:
            route.detail["blocked"] = verdict.reason  # its service fails every delivery (emulator.metrics counts them)
            _remove(mocks, route)
            fallback = None
            if dlq_verdict is not None and dlq_verdict.allowed:
                _reroute_to_dlq(mocks, route)
                fallback = dlq_name
            blocked.append(
                BlockedRoute(
                    route.resource, route.kind, route.source_arn, queue_name, verdict.reason, fallback, consumer
                )
            )
        if dlq_verdict is not None and not dlq_verdict.allowed:
            blocked.append(
                BlockedRoute(
                    route.resource,
                    dlq_kind[route.kind],
                    route.source_arn,
                    dlq_name or "?",
                    dlq_verdict.reason,
                    consumer=consumer,
                )
            )
    return blocked
