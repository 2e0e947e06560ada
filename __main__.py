"""The messaging program: config -> components -> exports."""

import pulumi
import pulumi_aws as aws

from components.alarms import Alarms, AlarmsArgs
from components.config import read_stack_config
from components.consumer import Consumer, ConsumerArgs
from components.encryption import StackKey, StackKeyArgs
from components.idempotency import IdempotencyArgs, IdempotencyStore
from components.ingress import IngressArgs, build_ingress
from components.producer import Producer, ProducerArgs
from components.topology import TopologyArgs

config = read_stack_config()
account_id = aws.get_caller_identity_output().account_id

key = StackKey("encryption", StackKeyArgs(stack=config, account_id=account_id)) if config.encryption == "kms" else None
kms_key_arn = key.key_arn if key else None
alarms = Alarms("alarms", AlarmsArgs(stack=config, account_id=account_id, kms_key_arn=kms_key_arn))
idempotency = (
    IdempotencyStore("idempotency", IdempotencyArgs(stack=config, kms_key_arn=kms_key_arn))
    if config.idempotency
    else None
)

consumers = [
    Consumer(
        consumer.name,
        ConsumerArgs(
            config=consumer,
            stack=config,
            account_id=account_id,
            alarm_topic_arn=alarms.topic_arn,
            idempotency_table_name=idempotency.table_name if idempotency else None,
            idempotency_table_arn=idempotency.table_arn if idempotency else None,
            kms_key_arn=kms_key_arn,
        ),
    )
    for consumer in config.consumers
]
ingress = build_ingress(
    IngressArgs(
        key=key,
        topology=TopologyArgs(
            stack=config,
            consumers=consumers,
            account_id=account_id,
            alarm_topic_arn=alarms.topic_arn,
            kms_key_arn=kms_key_arn,
        ),
    )
)
producer = Producer(
    "producer",
    ProducerArgs(
        stack=config,
        channel=ingress.current.channel,
        draining=[t.channel for t in ingress.draining],
        kms_key_arn=kms_key_arn,
        wait_for=ingress.components,
    ),
)

pulumi.export("topology", config.topology)
pulumi.export("drainingTopology", config.previous_topology)
pulumi.export("producerFunction", producer.function_name)
pulumi.export("channel", {"kind": ingress.current.channel.kind, "target": ingress.current.channel.target})
pulumi.export("alarmTopicArn", alarms.topic_arn)
pulumi.export(
    "consumers",
    {
        consumer.config.name: {
            "queueUrl": consumer.queue_url,
            "dlqUrl": consumer.dlq_url,
            "function": consumer.function_name,
        }
        for consumer in consumers
    },
)
