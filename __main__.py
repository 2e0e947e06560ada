"""The messaging program: stack config -> one Messaging component -> exports."""

import pulumi

from components import Messaging, MessagingArgs
from components.config import read_stack_config

# Unprefixed children keep the names (and, through an alias, the URNs) stacks deployed before the component have.
messaging = Messaging("messaging", MessagingArgs.from_stack_config(read_stack_config(), child_name_prefix=""))

pulumi.export("topology", messaging.topology)
pulumi.export("drainingTopology", messaging.draining_topology)
pulumi.export("producerFunction", messaging.producer_function)
pulumi.export("channel", messaging.channel)
pulumi.export("alarmTopicArn", messaging.alarm_topic_arn)
pulumi.export("dashboardUrl", messaging.dashboard_url)
pulumi.export("consumers", messaging.consumers)
pulumi.export("forwards", messaging.forwards)
pulumi.export("keyArn", messaging.key_arn)
pulumi.export("producers", messaging.producers)
pulumi.export("publishPolicyArn", messaging.publish_policy_arn)
pulumi.export("publisherEnvironment", messaging.publisher_environment)
pulumi.export("schedules", messaging.schedules)
