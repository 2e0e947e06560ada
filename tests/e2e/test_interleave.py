"""While the producer sends, the Lambda service polls, as in AWS: queues stay shallow and a consumer has
processed most of a large send before anyone drains."""

from __future__ import annotations

import boto3
import pytest
from e2e_support import REGION

from emulator import Stack

ORDERS = [{"id": f"o-{n:03d}", "type": "OrderCreated", "data": {"total": n}} for n in range(60)]
CONSUMERS = [{"name": "audit", "processor": "audit:record"}, {"name": "ledger", "processor": "audit:record"}]


def _depth(url: str) -> int:
    attrs = boto3.client("sqs", region_name=REGION).get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return sum(int(v) for v in attrs.values())


@pytest.mark.parametrize("topology", ["fanout", "eventbridge", "point-to-point"])
def test_consumers_process_while_the_producer_sends_and_queues_stay_shallow(topology):
    consumers = CONSUMERS[:1] if topology == "point-to-point" else CONSUMERS
    config = {"aws:region": REGION, "topology": topology, "consumers": consumers}
    with Stack("e2e", config=config) as stack:
        assert stack.publish(ORDERS) == [o["id"] for o in ORDERS]
        queues = [c["queueUrl"] for c in stack.exports["consumers"].values()]
        # The producer sends in batches of ten; after each, the queues were emptied, so nothing waits for drain.
        assert [_depth(url) for url in queues] == [0] * len(queues)
        for consumer in consumers:
            assert sorted(stack.processed(consumer["name"])) == [o["id"] for o in ORDERS]
        stack.drain()
        for consumer in consumers:
            assert sorted(stack.processed(consumer["name"])) == [o["id"] for o in ORDERS]
