"""Environment variable names the handlers read (the runtime contract).

The handlers define the same names in handlers/env.py; components never
import handlers/, so tests/unit/test_project_file.py checks both agree.
"""

CHANNEL = "MESSAGING_CHANNEL"  # producer: sqs | sns | events
TARGET = "MESSAGING_TARGET"  # producer: queue URL | topic ARN | bus name
DEFAULT_SOURCE = "MESSAGING_DEFAULT_SOURCE"  # producer: envelope source when missing
SCHEMAS = "MESSAGING_SCHEMAS"  # producer: {type: JSON Schema} its envelopes' data must satisfy; unset = none
FIFO = "MESSAGING_FIFO"  # both: "true" | "false"
CONSUMER = "MESSAGING_CONSUMER"  # consumer: its name, for logs
PROCESSOR = "MESSAGING_PROCESSOR"  # consumer: business processor name
IDEMPOTENCY_TABLE = "MESSAGING_IDEMPOTENCY_TABLE"  # consumer: DynamoDB table; unset = off
IDEMPOTENCY_TTL_SECONDS = "MESSAGING_IDEMPOTENCY_TTL_SECONDS"  # consumer: expiry window
SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"  # Powertools: service in every log line
LOG_LEVEL = "POWERTOOLS_LOG_LEVEL"
REGION = "AWS_REGION"  # publishers outside Lambda: the stack's region (Lambda sets it for its functions)

CHANNEL_SQS = "sqs"
CHANNEL_SNS = "sns"
CHANNEL_EVENTS = "events"


def flag(value: bool) -> str:
    return "true" if value else "false"
