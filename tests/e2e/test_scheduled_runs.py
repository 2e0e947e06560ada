"""messaging:schedules end to end: a schedule fired in the emulator (as EventBridge Scheduler would: its role,
its input, an asynchronous producer run) publishes its envelope, which reaches exactly the consumers its type
selects; what fails lands in the schedules' DLQ."""

from __future__ import annotations

import json
import uuid

import pytest
from e2e_support import DEV_CONSUMERS, DEV_SELECTORS, ROOT, STACK, Tamper, write_stack

import emulator
from emulator.__main__ import main
from emulator.errors import EmulatorError

CUSTOMER = {"customerName": "Ada Lovelace", "customerAddress": "1 Analytical Way"}
# One schedule per routing case of the dev consumers; each envelope is checked against DEV_SELECTORS below.
SCHEDULES = [
    {"name": "nightly-restock", "schedule": "cron(0 2 * * ? *)",
     "envelope": {"type": "OrderCreated", "data": {"orderId": "o-r", "total": 50, **CUSTOMER}}},
    {"name": "vip-shipping", "schedule": "rate(5 minutes)",
     "envelope": {"type": "OrderShipped", "data": {"orderId": "o-v", "priority": "HIGH", "total": 5000, **CUSTOMER}}},
    {"name": "delivery-sweep", "schedule": "rate(1 hour)",
     "envelope": {"type": "OrderDelivered", "source": "com.example.sweeper", "data": {"orderId": "o-d", **CUSTOMER}}},
]  # fmt: skip
AT = "2026-01-01T06:00:00Z"


def deploy(tmp_path, consumers, topology, *, transform=None, **options):
    stack_file = write_stack(tmp_path, consumers, topology, schedules=SCHEDULES, **options)
    return emulator.Stack(STACK, stack_file=stack_file, program_transform=transform)


def run_id(stack, name: str, at: str = AT) -> str:
    """The id the producer gives the envelope of one run (uuid5 of the schedule ARN and the scheduled time)."""
    arn = stack.exports["schedules"]["schedules"][name]
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{arn}#{at}"))


@pytest.mark.parametrize("topology", ["fanout", "eventbridge"])
def test_a_fired_schedule_reaches_exactly_the_consumers_its_type_selects(tmp_path, topology):
    with deploy(tmp_path, DEV_CONSUMERS, topology) as stack:
        sent = {s["name"]: stack.fire_schedule(s["name"], at=AT) for s in SCHEDULES}
        stack.drain()
        assert sent == {s["name"]: [run_id(stack, s["name"])] for s in SCHEDULES}
        for consumer in DEV_CONSUMERS:
            # Who should get what, from the envelopes as configured and the id/time/source the producer fills in.
            expected = sorted(
                run_id(stack, s["name"])
                for s in SCHEDULES
                if DEV_SELECTORS[consumer["name"]]({"source": "com.example.orders", **s["envelope"]})
            )
            assert sorted(stack.processed(consumer["name"])) == expected, consumer["name"]
            assert stack.dead_lettered(consumer["name"]) == []
        assert stack.unrouted() == []
        assert [f.attempts for f in stack.fired] == [1, 1, 1] and stack.schedule_dead_letters() == []
        assert stack.report(details=True)["details"]["access_denied"] == []


def test_under_point_to_point_the_one_consumer_gets_every_scheduled_envelope_with_its_time(tmp_path):
    seen = []
    with deploy(tmp_path, [{"name": "orders", "processor": "audit:record"}], "point-to-point") as stack:
        for s in SCHEDULES:
            stack.fire_schedule(s["name"], at=AT)
        stack.drain()
        assert sorted(stack.processed("orders")) == sorted(run_id(stack, s["name"]) for s in SCHEDULES)
        queue = stack.exports["consumers"]["orders"]["queueUrl"]
        seen = stack.mocks.c["sqs"].receive_message(QueueUrl=queue).get("Messages", [])
    assert seen == []  # every one processed and deleted


def test_the_embedded_scheduler_holds_each_schedule_as_declared(tmp_path):
    with deploy(tmp_path, DEV_CONSUMERS, "fanout") as stack:
        scheduler = stack.mocks.c["scheduler"]
        group = stack.exports["schedules"]["group"]
        listed = scheduler.list_schedules(GroupName=group)["Schedules"]
        assert sorted(s["Name"] for s in listed) == sorted(s["name"] for s in SCHEDULES)
        producer_arn = next(f.arn for f in stack.mocks.functions if f.handler == "handlers.producer.handler")
        for spec in SCHEDULES:
            schedule = scheduler.get_schedule(Name=spec["name"], GroupName=group)
            assert schedule["ScheduleExpression"] == spec["schedule"]
            assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
            assert schedule["Target"]["Arn"] == producer_arn
            assert json.loads(schedule["Target"]["Input"])["envelope"] == spec["envelope"]


def test_a_retried_run_is_deduplicated_by_its_id_and_the_next_run_is_new(tmp_path):
    consumers = [{"name": "orders", "processor": "audit:record"}]
    with deploy(tmp_path, consumers, "point-to-point", fifo=True) as stack:
        first = stack.fire_schedule("nightly-restock", at=AT)
        again = stack.fire_schedule("nightly-restock", at=AT)  # Scheduler retrying the same run
        tomorrow = stack.fire_schedule("nightly-restock", at="2026-01-02T02:00:00Z")
        stack.drain()
        assert first == again != tomorrow
        assert stack.processed("orders") == [first[0], tomorrow[0]]
        assert stack.deduplicated("orders") == first


def without_statement(sid: str):
    def edit(inputs: dict) -> dict:
        policy = json.loads(inputs["policy"])
        policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != sid]
        return {**inputs, "policy": json.dumps(policy)}

    return edit


def test_a_role_that_may_not_invoke_the_producer_sends_the_run_to_the_dlq_and_nothing_is_published(tmp_path):
    tamper = Tamper("aws:iam/rolePolicy:RolePolicy", "schedules-role-policy", without_statement("InvokeProducer"))
    with deploy(tmp_path, DEV_CONSUMERS, "fanout", transform=tamper) as stack:
        assert stack.fire_schedule("vip-shipping", at=AT) == []
        stack.drain()
        (firing,) = stack.fired
        assert (firing.invoked, firing.attempts) == (False, 0)
        assert "does not allow lambda:InvokeFunction" in firing.error
        (letter,) = stack.schedule_dead_letters()
        arn = stack.exports["schedules"]["schedules"]["vip-shipping"]
        assert json.loads(letter["body"]) == {
            "schedule": "vip-shipping",
            "scheduleArn": arn,
            "scheduledTime": AT,
            "envelope": SCHEDULES[1]["envelope"],
        }
        assert letter["attributes"]["SCHEDULE_ARN"] == arn
        assert letter["attributes"]["ERROR_CODE"] == "AccessDeniedException"
        assert all(stack.processed(c["name"]) == [] for c in DEV_CONSUMERS)
    tamper.assert_applied()


def test_a_trust_policy_for_another_group_lets_scheduler_assume_nothing(tmp_path):
    def other_group(inputs: dict) -> dict:
        trust = json.loads(inputs["assumeRolePolicy"])
        condition = trust["Statement"][0]["Condition"]["ArnLike"]
        condition["aws:SourceArn"] = condition["aws:SourceArn"].replace("schedules-group", "other-group")
        return {**inputs, "assumeRolePolicy": json.dumps(trust)}

    tamper = Tamper("aws:iam/role:Role", "schedules-role", other_group)
    with deploy(tmp_path, DEV_CONSUMERS, "eventbridge", transform=tamper) as stack:
        assert stack.fire_schedule("nightly-restock") == []
        assert "does not let scheduler.amazonaws.com assume it" in stack.fired[0].error
        # Scheduler could not assume the role at all, so it could not send the dead letter either.
        assert stack.schedule_dead_letters() == [] and stack.fired[0].dead_letter is None
    tamper.assert_applied()


def test_a_producer_run_that_cannot_send_is_retried_twice_then_dead_lettered_with_its_record(tmp_path):
    tamper = Tamper("aws:iam/rolePolicy:RolePolicy", "producer-role-policy", without_statement("SendToTarget"))
    with deploy(tmp_path, DEV_CONSUMERS, "fanout", transform=tamper) as stack:
        assert stack.fire_schedule("vip-shipping", at=AT) == []
        stack.drain()
        (firing,) = stack.fired
        assert (firing.invoked, firing.attempts) == (True, 3)
        assert firing.error.startswith("ScheduledSendError: schedule 'vip-shipping': not sent")
        (letter,) = stack.schedule_dead_letters()
        record = json.loads(letter["body"])
        assert record["requestContext"]["condition"] == "RetriesExhausted"
        assert record["requestContext"]["approximateInvokeCount"] == 3
        assert record["requestPayload"]["envelope"] == SCHEDULES[1]["envelope"]
        assert record["requestPayload"]["scheduledTime"] == AT
        assert all(stack.processed(c["name"]) == [] for c in DEV_CONSUMERS)
        assert stack.report()["sent"] == []
    tamper.assert_applied()


def test_without_its_grant_on_the_dlq_a_failed_run_is_lost_as_in_aws(tmp_path):
    producer = Tamper("aws:iam/rolePolicy:RolePolicy", "producer-role-policy", without_statement("SendToTarget"))

    def both(typ, name, inputs):
        if typ == "aws:iam/rolePolicy:RolePolicy" and name == "schedules-producer-dead-letters":
            policy = json.loads(inputs["policy"])
            policy["Statement"][0]["Resource"] = ["arn:aws:sqs:eu-west-1:123456789012:another-queue"]
            return {**inputs, "policy": json.dumps(policy)}
        return producer(typ, name, inputs)

    with deploy(tmp_path, DEV_CONSUMERS, "fanout", transform=both) as stack:
        stack.fire_schedule("vip-shipping")
        assert stack.fired[0].attempts == 3 and stack.fired[0].dead_letter is None
        assert stack.schedule_dead_letters() == []


def test_an_unknown_schedule_is_an_error_listing_the_stacks_schedules(tmp_path):
    with deploy(tmp_path, DEV_CONSUMERS, "fanout") as stack:
        with pytest.raises(EmulatorError, match=r"no schedule 'weekly' in this stack \(schedules: delivery-sweep, "
                           r"nightly-restock, vip-shipping\)"):  # fmt: skip
            stack.fire_schedule("weekly")


def test_an_expression_scheduler_would_refuse_is_refused_by_the_embedded_scheduler(tmp_path):
    def bad_expression(inputs):
        return {**inputs, "scheduleExpression": "rate(1 hours)"}

    tamper = Tamper("aws:scheduler/schedule:Schedule", "schedules-schedule-delivery-sweep", bad_expression)
    with pytest.raises(Exception, match=r"rate\(1 hours\).*refused by Scheduler: a rate of 1 takes the singular"):
        with deploy(tmp_path, DEV_CONSUMERS, "fanout", transform=tamper):
            pass


def test_the_cli_fires_schedules_and_reports_who_received_them(tmp_path, capsys):
    for name in ("__main__.py", "Pulumi.yaml", "components", "handlers", "app", "emulator"):
        (tmp_path / name).symlink_to(ROOT / name)
    write_stack(tmp_path, DEV_CONSUMERS, "fanout", schedules=SCHEDULES)
    argv = ["--stack", STACK, "--project-dir", str(tmp_path), "--json"]
    assert main([*argv, "--fire-schedule", "vip-shipping", "--fire-schedule", "delivery-sweep"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["sent"]) == 2 and report["unrouted"] == []
    vip, sweep = report["sent"]
    assert {name: sorted(c["processed"]) for name, c in report["consumers"].items()} == {
        "inventory": [],
        "notifications": [vip],
        "big-orders": [vip],
        "analytics": sorted([vip, sweep]),
    }
    assert main([*argv, "--fire-schedule", "weekly"]) == 2
    assert capsys.readouterr().err.strip() == (
        "emulator: error: no schedule 'weekly' in this stack (schedules: delivery-sweep, nightly-restock, vip-shipping)"
    )
