"""Security and reliability invariants over every resource the program declares,
under every topology and option combination. A new resource that breaks one
fails here, whatever component declares it."""

import itertools
import json

import pytest
from pulumi_harness import ACCOUNT, DEMO_CONSUMERS, deployed, run_program, stack_config

from components import defaults

# Each deployment is built once per worker (deployed() below): one worker builds all of them, once.
pytestmark = pytest.mark.xdist_group("security-sweep")

TOPOLOGIES = ("point-to-point", "fanout", "eventbridge")
# A consumer SNS or EventBridge invokes directly (no queue), beside the demo's queue consumers.
DIRECT_CONSUMER = {"name": "alerts", "delivery": "direct", "match": {"data": {"total": [{"numeric": [">", 1000]}]}}}
COMBINATIONS = (
    [
        dict(topology=t, fifo=f, idempotency=i, encryption=e, production=p, previous_topology=None, direct=False)
        for t, f, i, e, p in itertools.product(
            TOPOLOGIES, (False, True), (False, True), ("sqs-managed", "kms"), (False, True)
        )
    ]
    + [
        # Mid-switch: the previous topology drains while the producer publishes to the new one.
        dict(topology=t, fifo=f, idempotency=False, encryption=e, production=True, previous_topology=prev, direct=False)
        for (t, prev), f, e in itertools.product(
            (("eventbridge", "fanout"), ("fanout", "eventbridge")), (False, True), ("sqs-managed", "kms")
        )
    ]
    + [
        # A direct consumer (standard only: direct is refused with FIFO), alone and mid-switch.
        dict(topology=t, fifo=False, idempotency=i, encryption=e, production=i, previous_topology=prev, direct=True)
        for t, prev, i, e in [
            *itertools.product(("fanout", "eventbridge"), (None,), (False, True), ("sqs-managed", "kms")),
            ("eventbridge", "fanout", False, "kms"),
            ("fanout", "eventbridge", True, "sqs-managed"),
        ]
    ]
)
IDS = [
    "{topology}-{fifo}-{idempotency}-{encryption}-{production}{drain}{direct}".format(
        drain=f"-from-{c['previous_topology']}" if c["previous_topology"] else "",
        direct="-direct" if c["direct"] else "",
        **{
            k: ({True: "on", False: "off"}.get(v, v) if k != "topology" else v)
            for k, v in c.items()
            if k not in ("previous_topology", "direct")
        },
    )
    for c in COMBINATIONS
]

# Every combination also publishes an envelope on a schedule, so the sweep covers the schedules' resources.
SCHEDULES = [
    {"name": "nightly-report", "schedule": "cron(0 2 * * ? *)", "envelope": {"type": "ReportDue", "data": {}}},
    {"name": "heartbeat", "schedule": "rate(5 minutes)", "envelope": {"type": "Heartbeat"}},
]
SCHEDULER = "scheduler.amazonaws.com"
ASYNC_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"

# Under eventbridge every combination also forwards to another bus (its role, target and DLQ are swept too).
FORWARD = {
    "name": "partner",
    "match": {"type": ["OrderShipped"]},
    "bus": "arn:aws:events:us-east-1:111122223333:event-bus/p",
}


def consumers_of(topology, direct=False):
    """The demo consumers, plus a direct one when asked, plus a forwarding one under eventbridge."""
    extra = ([DIRECT_CONSUMER] if direct else []) + ([FORWARD] if topology == "eventbridge" else [])
    return [*DEMO_CONSUMERS, *extra] if extra else None


# Types AWS lets us tag, and must carry project / stack / topology.
TAGGABLE = {
    "aws:scheduler/scheduleGroup:ScheduleGroup",
    "aws:sqs/queue:Queue",
    "aws:sns/topic:Topic",
    "aws:cloudwatch/eventBus:EventBus",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:iam/role:Role",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:lambda/function:Function",
    "aws:lambda/eventSourceMapping:EventSourceMapping",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:dynamodb/table:Table",
    "aws:kms/key:Key",
}
POLICY_INPUTS = {
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
}
# Resource "*" is allowed only in a key policy, where it means "this key".
STAR_RESOURCE_ALLOWED = {"aws:kms/keyPolicy:KeyPolicy"}


def _deployment(topology, fifo, idempotency, encryption, production, previous_topology, direct):
    options = {"previousTopology": previous_topology} if previous_topology else {}
    consumers = consumers_of(topology, direct)
    return deployed(
        stack_config(
            topology,
            consumers,
            fifo=fifo,
            idempotency=idempotency,
            encryption=encryption,
            production=production,
            schedules=SCHEDULES,
            **options,
        )
    )


def ingress_topologies(options):
    return {options["topology"], *filter(None, [options["previous_topology"]])}


@pytest.fixture(params=COMBINATIONS, ids=IDS)
def combo(request):
    return request.param, _deployment(**request.param)


def statements(deployment):
    for resource in deployment.resources:
        key = POLICY_INPUTS.get(resource.typ)
        if key:
            for statement in resource.json_input(key)["Statement"]:
                yield resource, statement


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_every_queue_is_encrypted_with_sse_sqs_or_the_stack_key_never_aws_sqs(combo):
    options, d = combo
    key_arns = {k.outputs["arn"] for k in d.of_type("aws:kms/key:Key")}
    for queue in d.of_type("aws:sqs/queue:Queue"):
        if options["encryption"] == "kms":
            assert queue.inputs.get("kmsMasterKeyId") in key_arns, queue.name
            assert not queue.inputs.get("sqsManagedSseEnabled")
        else:
            assert queue.inputs.get("sqsManagedSseEnabled") is True, queue.name
            assert "kmsMasterKeyId" not in queue.inputs
        assert "aws/sqs" not in json.dumps(queue.inputs)


def test_every_topic_is_encrypted_except_the_alarm_topic_without_a_stack_key(combo):
    options, d = combo
    for topic in d.of_type("aws:sns/topic:Topic"):
        if topic.name == "alarms-topic" and options["encryption"] != "kms":
            # CloudWatch cannot use the AWS-managed aws/sns key (README: Security).
            assert "kmsMasterKeyId" not in topic.inputs
        else:
            assert topic.inputs.get("kmsMasterKeyId"), topic.name


def test_every_queue_has_exactly_one_policy_and_it_denies_requests_without_tls(combo):
    _, d = combo
    policies_by_url = {}
    for policy in d.of_type("aws:sqs/queuePolicy:QueuePolicy"):
        policies_by_url.setdefault(policy.inputs["queueUrl"], []).append(policy)
    for queue in d.of_type("aws:sqs/queue:Queue"):
        (policy,) = policies_by_url.pop(queue.outputs["url"])
        deny = policy.json_input("policy")["Statement"][0]
        assert deny == {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:*",
            "Resource": queue.outputs["arn"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    assert policies_by_url == {}, "a queue policy points at no queue of the program"


def test_every_service_principal_statement_is_scoped_to_exact_sources_of_this_program(combo):
    _, d = combo
    program_arns = {r.outputs.get("arn") for r in d.resources}
    for resource, statement in statements(d):
        principal = statement.get("Principal")
        if statement["Effect"] != "Allow" or not isinstance(principal, dict) or "Service" not in principal:
            continue
        if principal["Service"] == "lambda.amazonaws.com":
            assert statement["Action"] == "sts:AssumeRole"
            continue
        condition = statement["Condition"]
        assert condition["StringEquals"] == {"aws:SourceAccount": ACCOUNT}, (resource.name, statement)
        if principal["Service"] == "cloudwatch.amazonaws.com":
            # Alarm ARNs do not exist before the alarms: scoped to this account's alarms.
            assert condition["ArnLike"]["aws:SourceArn"].endswith(f":{ACCOUNT}:alarm:*")
        elif principal["Service"] == SCHEDULER:
            # A schedule's role is assumed for the schedules of this stack's group only.
            (group,) = [g.outputs["arn"] for g in d.of_type("aws:scheduler/scheduleGroup:ScheduleGroup")]
            assert statement["Action"] == "sts:AssumeRole"
            pattern = group.replace(":schedule-group/", ":schedule/") + "/*"
            assert condition["ArnLike"] == {"aws:SourceArn": pattern}, (resource.name, condition)
            scheduled = {s.outputs["arn"] for s in d.of_type("aws:scheduler/schedule:Schedule")}
            assert len(scheduled) == len(SCHEDULES) and all(a.startswith(pattern[:-1]) for a in scheduled)
        else:
            sources = condition["ArnEquals"]["aws:SourceArn"]
            assert sources and set(sources) <= program_arns, (resource.name, sources)


def test_no_allow_has_a_wildcard_action_and_star_resources_stay_in_key_policies(combo):
    _, d = combo
    for resource, statement in statements(d):
        if statement["Effect"] != "Allow":
            continue
        for action in as_list(statement["Action"]):
            assert "*" not in action, (resource.name, statement)
        if resource.typ not in STAR_RESOURCE_ALLOWED and "Resource" in statement:
            for arn in as_list(statement["Resource"]):
                assert arn != "*", (resource.name, statement)
                # The one trailing wildcard: a log group's streams ("<group arn>:*").
                assert not arn.endswith(":*") or ":log-group:" in arn, (resource.name, statement)


def test_no_message_is_dropped_silently_every_delivery_path_has_a_dead_letter_queue(combo):
    _, d = combo
    queue_arns = {q.outputs["arn"] for q in d.of_type("aws:sqs/queue:Queue")}
    dlq_arns = set()
    for queue in d.of_type("aws:sqs/queue:Queue"):
        if queue.name.endswith("-queue"):
            redrive = queue.json_input("redrivePolicy")
            assert redrive["deadLetterTargetArn"] in queue_arns and redrive["maxReceiveCount"] >= 5
            dlq_arns.add(redrive["deadLetterTargetArn"])
    for sub in d.of_type("aws:sns/topicSubscription:TopicSubscription"):
        if sub.inputs["protocol"] in ("sqs", "lambda"):
            dlq_arns.add(sub.json_input("redrivePolicy")["deadLetterTargetArn"])
    for function in d.of_type("aws:lambda/function:Function"):
        # A direct consumer's failed invocations, after Lambda's own retries.
        if "deadLetterConfig" in function.inputs:
            dlq_arns.add(function.inputs["deadLetterConfig"]["targetArn"])
    for target in d.of_type("aws:cloudwatch/eventTarget:EventTarget"):
        assert target.inputs["retryPolicy"] == {
            "maximumEventAgeInSeconds": defaults.EVENTBRIDGE_MAX_EVENT_AGE_SECONDS,
            "maximumRetryAttempts": defaults.EVENTBRIDGE_MAX_RETRY_ATTEMPTS,
        }
        dlq_arns.add(target.inputs["deadLetterConfig"]["arn"])
    schedules = d.of_type("aws:scheduler/schedule:Schedule")
    assert len(schedules) == len(SCHEDULES)
    for schedule in schedules:
        assert schedule.inputs["target"]["retryPolicy"] == {
            "maximumEventAgeInSeconds": defaults.SCHEDULE_MAX_EVENT_AGE_SECONDS,
            "maximumRetryAttempts": defaults.SCHEDULE_MAX_RETRY_ATTEMPTS,
        }
        dlq_arns.add(schedule.inputs["target"]["deadLetterConfig"]["arn"])
    dead_letter_of = {
        f.outputs["name"]: f.inputs["deadLetterConfig"]["targetArn"]
        for f in d.of_type("aws:lambda/function:Function")
        if "deadLetterConfig" in f.inputs
    }
    for config in d.of_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"):
        # An asynchronous run (a scheduled producer, a direct consumer) that keeps failing goes to a DLQ too:
        # its on-failure destination, or the function's dead-letter queue.
        if "destinationConfig" in config.inputs:
            dlq_arns.add(config.inputs["destinationConfig"]["onFailure"]["destination"])
        else:
            assert config.inputs["functionName"] in dead_letter_of, config.name
    assert dlq_arns <= queue_arns
    alarmed = {
        a.inputs["dimensions"]["QueueName"]
        for a in d.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.inputs["metricName"] == "ApproximateNumberOfMessagesVisible"
    }
    names_by_arn = {q.outputs["arn"]: q.outputs["name"] for q in d.of_type("aws:sqs/queue:Queue")}
    assert {names_by_arn[arn] for arn in dlq_arns} <= alarmed


def test_every_lambda_is_arm64_with_json_logs_into_a_retained_group_and_partial_batches(combo):
    _, d = combo
    groups = {g.outputs["name"]: g for g in d.of_type("aws:cloudwatch/logGroup:LogGroup")}
    functions = {f.outputs["arn"]: f for f in d.of_type("aws:lambda/function:Function")}
    for function in functions.values():
        assert function.inputs["architectures"] == ["arm64"]
        assert function.inputs["loggingConfig"]["logFormat"] == "JSON"
        assert groups[function.inputs["loggingConfig"]["logGroup"]].inputs["retentionInDays"] > 0
    visibility = {q.outputs["arn"]: q.inputs.get("visibilityTimeoutSeconds") for q in d.of_type("aws:sqs/queue:Queue")}
    mappings = d.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
    consumers = [f for f in functions.values() if f.inputs["handler"] == "handlers.consumer.handler"]
    mapped = {esm.inputs["functionName"] for esm in mappings}
    assert len(mappings) == len(mapped)
    async_configs = {c.inputs["functionName"] for c in d.of_type(ASYNC_CONFIG)}
    for function in consumers:
        if function.outputs["arn"] not in mapped:
            # Invoked directly: its failures dead-letter after Lambda's retries, configured explicitly.
            assert "deadLetterConfig" in function.inputs, function.name
            assert function.outputs["name"] in async_configs, function.name
    for esm in mappings:
        assert esm.inputs["functionResponseTypes"] == ["ReportBatchItemFailures"]
        assert visibility[esm.inputs["eventSourceArn"]] >= 6 * functions[esm.inputs["functionName"]].inputs["timeout"]


def test_every_taggable_resource_carries_project_stack_and_topology(combo):
    options, d = combo
    for resource in d.resources:
        if resource.typ in TAGGABLE:
            tags = resource.inputs.get("tags", {})
            # Ingress resources carry their own topology (a draining one is not the stack's).
            owner = (
                resource.urn.split("messaging:topology:")[1].split("$")[0]
                if "messaging:topology:" in resource.urn
                else None
            )
            expected = {"Fanout": "fanout", "EventBridge": "eventbridge", None: options["topology"]}[owner]
            assert {k: tags.get(k) for k in ("project", "stack", "topology")} == {
                "project": "messaging",
                "stack": "dev",
                "topology": expected,
            }, resource.name


def test_in_production_every_queue_is_protected_and_retained(combo):
    options, d = combo
    for queue in d.of_type("aws:sqs/queue:Queue"):
        if "messaging:topology:" in queue.urn:
            # A queue a topology switch removes is always retained (not protected, which
            # would block the switch itself), production or not.
            assert (queue.protect, queue.retain_on_delete) == (False, True), queue.name
        else:
            assert (queue.protect, queue.retain_on_delete) == (options["production"], options["production"]), queue.name


def test_fifo_stacks_use_fifo_queues_for_consumers_and_a_fifo_topic_for_fanout(combo):
    options, d = combo
    for queue in d.of_type("aws:sqs/queue:Queue"):
        if queue.name.endswith("-delivery-dlq") or queue.name in ("schedules-dlq", f"{FORWARD['name']}-dlq"):
            # EventBridge, Scheduler and Lambda destinations dead-letter only to standard queues.
            assert not queue.inputs.get("fifoQueue")
        else:
            assert bool(queue.inputs.get("fifoQueue")) is options["fifo"], queue.name
    for topic in d.of_type("aws:sns/topic:Topic"):
        if topic.name != "alarms-topic":
            assert bool(topic.inputs.get("fifoTopic")) is options["fifo"]
    for target in d.of_type("aws:cloudwatch/eventTarget:EventTarget"):
        # A message group applies to a queue target; a forward to another bus has none.
        assert ("sqsTarget" in target.inputs) is (options["fifo"] and target.inputs["arn"] != FORWARD["bus"])


def test_the_stack_key_lets_exactly_the_delivering_service_use_it(combo):
    options, d = combo
    if options["encryption"] != "kms":
        assert d.of_type("aws:kms/key:Key") == []
        return
    (key,) = d.of_type("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    (policy,) = d.of_type("aws:kms/keyPolicy:KeyPolicy")
    services = {s["Principal"].get("Service") for s in policy.json_input("policy")["Statement"]} - {None}
    expected_by = {"point-to-point": set(), "fanout": {"sns.amazonaws.com"}, "eventbridge": {"events.amazonaws.com"}}
    assert services == set().union(*(expected_by[t] for t in ingress_topologies(options))) | {
        "cloudwatch.amazonaws.com"
    }
    for role_policy in d.of_type("aws:iam/rolePolicy:RolePolicy"):
        uses_key = key.outputs["arn"] in role_policy.inputs["policy"]
        if role_policy.name == "producer-role-policy":
            # PutEvents needs no key: the producer gets one only to send to a queue or topic.
            assert uses_key is (ingress_topologies(options) != {"eventbridge"})
        elif role_policy.name == f"{FORWARD['name']}-role-policy":
            assert not uses_key  # it only puts events on the other bus
        else:
            assert uses_key, role_policy.name


def test_each_consumer_queue_and_dlq_accept_exactly_their_own_topic_or_rule(combo):
    options, d = combo
    topology = options["topology"]
    names = ["inventory"] if topology == "point-to-point" else [c["name"] for c in DEMO_CONSUMERS]
    direct = [DIRECT_CONSUMER["name"]] if options["direct"] else []
    for name in names + direct:
        expected = {}
        if "fanout" in ingress_topologies(options):
            expected["sns.amazonaws.com"] = [d.output("fanout-topic", "arn")]
        if "eventbridge" in ingress_topologies(options):
            expected["events.amazonaws.com"] = [d.output(f"eventbridge-{name}-rule", "arn")]
        for role in ("dlq",) if name in direct else ("queue", "dlq"):
            allows = [
                s for s in d.named(f"{name}-{role}-policy").json_input("policy")["Statement"] if s["Effect"] == "Allow"
            ]
            assert {s["Principal"]["Service"]: s["Condition"]["ArnEquals"]["aws:SourceArn"] for s in allows} == expected
            assert all(
                s["Resource"] == d.output(f"{name}-{role}", "arn") and s["Action"] == "sqs:SendMessage" for s in allows
            )


def test_every_alarm_notifies_only_this_programs_alarm_topic(combo):
    _, d = combo
    (topic,) = [t.outputs["arn"] for t in d.of_type("aws:sns/topic:Topic") if t.name == "alarms-topic"]
    for alarm in d.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        assert alarm.inputs["alarmActions"] == [topic] == alarm.inputs["okActions"], alarm.name


def test_schema_resources_are_tagged_and_add_no_policy_or_grant():
    plain = run_program(stack_config("eventbridge"))
    d = run_program(
        stack_config(
            "eventbridge",
            schemas={"discovery": True, "types": {"OrderCreated": "tests/unit/schemas/order-created.json"}},
        )
    )
    added = {r.typ for r in d.resources} - {r.typ for r in plain.resources}
    assert added == {"aws:schemas/registry:Registry", "aws:schemas/schema:Schema", "aws:schemas/discoverer:Discoverer"}
    for resource in d.resources:
        if resource.typ in added:
            assert {k: resource.inputs["tags"].get(k) for k in ("project", "stack", "topology")} == {
                "project": "messaging",
                "stack": "dev",
                "topology": "eventbridge",
            }

    def policies(deployment):
        return sorted((r.typ, r.name) for r in deployment.resources if r.typ in POLICY_INPUTS)

    assert policies(d) == policies(plain)


def test_every_lambda_permission_lets_one_service_invoke_one_consumer_from_exactly_its_topic_or_rule(combo):
    options, d = combo
    permissions = d.of_type("aws:lambda/permission:Permission")
    functions = {f.outputs["name"]: f for f in d.of_type("aws:lambda/function:Function")}
    invoked = set()
    for permission in permissions:
        inputs = permission.inputs
        assert inputs["action"] == "lambda:InvokeFunction", permission.name
        function = functions[inputs["function"]]
        consumer = function.inputs["environment"]["variables"]["MESSAGING_CONSUMER"]
        expected = {
            "sns.amazonaws.com": d.output("fanout-topic", "arn") if "fanout" in ingress_topologies(options) else None,
            "events.amazonaws.com": (
                d.output(f"eventbridge-{consumer}-rule", "arn")
                if "eventbridge" in ingress_topologies(options)
                else None
            ),
        }
        assert inputs["sourceArn"] == expected[inputs["principal"]], permission.name
        invoked.add((consumer, inputs["principal"]))
    wanted = {"fanout": "sns.amazonaws.com", "eventbridge": "events.amazonaws.com"}
    assert invoked == (
        {(DIRECT_CONSUMER["name"], wanted[t]) for t in ingress_topologies(options)} if options["direct"] else set()
    )


def test_the_sweep_covers_the_forwarding_role_target_and_dlq_under_eventbridge(combo):
    options, d = combo
    forwarding = {f"{FORWARD['name']}-{role}" for role in ("role", "role-policy", "target", "dlq", "dlq-policy")}
    assert (forwarding <= {r.name for r in d.resources}) is (options["topology"] == "eventbridge")
