"""Every default and limit the program uses, each with its unit and reason.

Config values are merged over these in one place (components/config.py);
nothing else in the program invents a default.
"""

# --- Topologies and naming -------------------------------------------------
TOPOLOGIES = ("point-to-point", "fanout", "eventbridge")
DEFAULT_TOPOLOGY = "point-to-point"
DRAINABLE_TOPOLOGIES = ("fanout", "eventbridge")  # ingress that can hold deliveries in flight during a switch
CONSUMER_NAME_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"  # DNS-like: safe in every AWS name
CONSUMER_NAME_MAX_LENGTH = 40  # chars: leaves room for Pulumi's suffixes inside AWS's 80-char queue names
DEFAULT_SOURCE = "com.example.orders"  # envelope source the producer fills in (demo domain)
CHILD_NAME_PREFIX = None  # Messaging children are named "<component name>-<role>" (two per program never collide)
MESSAGING_NAME_MAX_LENGTH = 20  # chars: keeps "<name>-eventbridge-archive" + suffix in EventBridge's 48
# Names the stack's own children use. Each resource is named after its logical name ("<name>-<role>",
# plus a suffix in AWS), so a consumer called one of these would own resources named like the
# producer's, a topology's or the EventBridge delivery DLQ's (e.g. "producer-function",
# "eventbridge-delivery-dlq"), indistinguishable in the console, the logs and the alarms.
RESERVED_NAMES = (
    "producer",  # the producer component: producer-function, producer-role, producer-logs, ...
    "alarms",  # the alarm topic component
    "encryption",  # the stack key component (messaging:encryption kms)
    "idempotency",  # the idempotency table component
    "monitoring",  # the consumer alarms and the dashboard
    "point-to-point",  # the topology components, one per kind
    "fanout",
    "eventbridge",
    "eventbridge-delivery",  # its -dlq, -dlq-policy and -dlq-alarm are the EventBridge delivery DLQ's names
    "schedules",  # the schedules component: schedules-dlq, schedules-role, ...
    "schemas",  # the event schemas component: schemas-registry and one schemas-<type> per event type
)

# --- Consumer tuning (per consumer) ----------------------------------------
BATCH_SIZE = 10  # records: SQS's largest batch without a batching window
BATCH_SIZE_MAX_STANDARD = 10_000  # records: AWS limit for standard queues
BATCH_SIZE_MAX_FIFO = 10  # records: AWS limit for FIFO queues
BATCH_SIZE_NEEDING_WINDOW = 10  # records: above this AWS requires a batching window >= 1 s
BATCHING_WINDOW_SECONDS = 0  # s: deliver as soon as records arrive
BATCHING_WINDOW_MAX_SECONDS = 300  # s: AWS limit
MAX_CONCURRENCY = None  # invocations: None leaves Lambda's scaling unbounded
MAX_CONCURRENCY_RANGE = (2, 1000)  # invocations: AWS limits for scaling_config
TIMEOUT_SECONDS = 30  # s: generous for a per-record processor
TIMEOUT_MAX_SECONDS = 900  # s: Lambda limit
MEMORY_MB = 256  # MB: enough for boto3 + Powertools on arm64
MEMORY_RANGE_MB = (128, 10_240)  # MB: Lambda limits
MAX_RECEIVE_COUNT = 5  # receives: below 5, throttling alone dead-letters healthy messages
MAX_RECEIVE_COUNT_RANGE = (1, 1000)  # receives: SQS limits
PROCESSOR = "orders:process"  # module:function in the code folder: the example order processor (app/orders.py)
# How a consumer is reached: "queue" (its own SQS queue, read by an event source mapping) or "direct" (SNS or
# EventBridge invokes its function asynchronously; no queue). Direct needs fanout or eventbridge, and no FIFO.
DELIVERIES = ("queue", "direct")
DELIVERY = "queue"
DELIVERY_DIRECT = "direct"
DIRECT_TOPOLOGIES = ("fanout", "eventbridge")  # the ingresses that can invoke a function themselves
# Per-consumer EventBridge target retry policy (messaging:consumers[i].maximumRetryAttempts and
# .maximumEventAgeInSeconds): None takes EVENTBRIDGE_MAX_RETRY_ATTEMPTS / EVENTBRIDGE_MAX_EVENT_AGE_SECONDS.
MAXIMUM_RETRY_ATTEMPTS = None
MAXIMUM_EVENT_AGE_SECONDS = None
EVENTBRIDGE_RETRY_ATTEMPTS_RANGE = (0, 185)  # attempts: AWS's RetryPolicy.MaximumRetryAttempts range
EVENTBRIDGE_EVENT_AGE_RANGE_SECONDS = (60, 86_400)  # s: AWS's RetryPolicy.MaximumEventAgeInSeconds range
# Lambda's own asynchronous retries of a direct consumer that raises (AWS's defaults, set explicitly): two more
# attempts within six hours, then the event goes to the consumer's dead-letter queue.
LAMBDA_ASYNC_RETRY_ATTEMPTS = 2  # attempts: Lambda allows 0..2
LAMBDA_ASYNC_MAX_EVENT_AGE_SECONDS = 21_600  # s: Lambda allows 60..21600

VISIBILITY_TIMEOUT_FACTOR = 6  # AWS: queue visibility >= 6x the function timeout
VISIBILITY_TIMEOUT_MAX_SECONDS = 43_200  # s: SQS limit (12 h)

# --- Stack-wide options ----------------------------------------------------
AWS_MANAGED_SNS_KEY = "alias/aws/sns"  # SSE for the fan-out topic when the stack has no key of its own
FIFO = False
RAW_DELIVERY = True  # SNS -> SQS: the body is the envelope itself, no SNS wrapper
ENCRYPTIONS = ("sqs-managed", "kms")
ENCRYPTION = "sqs-managed"  # SSE-SQS works with SNS and EventBridge, costs nothing
IDEMPOTENCY = False
IDEMPOTENCY_TTL_SECONDS = 3600  # s: a duplicate within an hour is processed once
IDEMPOTENCY_TTL_MAX_SECONDS = 30 * 86_400  # s: a month; longer windows belong in the business data
QUEUE_RETENTION_DAYS = 4  # days: the SQS default
DLQ_RETENTION_DAYS = 14  # days: the SQS maximum, time to inspect and redrive
RETENTION_DAYS_RANGE = (1, 14)  # days: SQS limits (60 s .. 14 d, in whole days here)
LOG_RETENTION_DAYS = 30  # days
LOG_RETENTION_CHOICES = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)  # CloudWatch Logs' allowed values
ARCHIVE_RETENTION_DAYS = 7  # days: EventBridge archive for replay; 0 = keep forever
ARCHIVE_RETENTION_MAX_DAYS = 36_500  # days: a century, EventBridge's practical ceiling
PRODUCTION = False
ALARM_EMAIL = None  # no alarm subscription unless configured
DLQ_ALARM_THRESHOLD = 1  # messages: one dead letter is worth a look
DLQ_ALARM_PERIOD_SECONDS = 60  # s: CloudWatch's finest standard period for SQS metrics
# Oldest-message alarm: None derives timeoutSeconds x VISIBILITY_TIMEOUT_FACTOR x maxReceiveCount, the longest a
# message that keeps failing stays in its queue before SQS dead-letters it; one older than that means the consumer
# is not keeping up (or not polling), not that it is retrying.
MAX_MESSAGE_AGE_SECONDS = None
MAX_MESSAGE_AGE_MIN_SECONDS = 60  # s: SQS publishes ApproximateAgeOfOldestMessage once a minute
METRIC_ALARM_PERIOD_SECONDS = 60  # s: the finest standard period of the SQS, Lambda, SNS and EventBridge metrics
FUNCTION_ERRORS_ALARM_THRESHOLD = 1  # invocations: queue consumers report failed records; an error is a crash, timeout
FUNCTION_THROTTLES_ALARM_THRESHOLD = 1  # invocations: throttling delays every message of that consumer
FAILED_DELIVERIES_ALARM_THRESHOLD = 1  # deliveries: SNS or EventBridge gave up on one (it went to a DLQ, or is lost)
DASHBOARD_PERIOD_SECONDS = 60  # s: each graph's point, the metrics' own resolution
DASHBOARD_NAME_PATTERN = r"[^A-Za-z0-9_-]"  # characters CloudWatch refuses in a dashboard name (replaced by "-")
DASHBOARD_NAME_MAX_LENGTH = 255  # chars: CloudWatch limit
EVENTBRIDGE_MAX_EVENT_AGE_SECONDS = 3600  # s: retry a failed target delivery for an hour
EVENTBRIDGE_MAX_RETRY_ATTEMPTS = 185  # attempts: the AWS default, set explicitly (docs/architecture.md)

# --- Forwarding to another event bus (a consumer with `bus`) ----------------
# An event bus ARN as EventBridge's CreateEventBus names a bus: 1-256 of letters, digits and . - _ /
# ("/" only in partner bus names); the partition is the one the program deploys to (components/config.py).
EVENT_BUS_ARN_PATTERN = r"^arn:aws:events:([a-z0-9-]+):(\d{12}):event-bus/([/.\-_A-Za-z0-9]{1,256})$"
EVENT_BUS_ARN_EXAMPLE = "arn:aws:events:<region>:<12-digit account>:event-bus/<name>"
# Keys that configure a consumer's queue and function: a forwarding consumer has neither.
FUNCTION_CONSUMER_KEYS = (
    "delivery",
    "processor",
    "batchSize",
    "batchingWindowSeconds",
    "maxConcurrency",
    "timeoutSeconds",
    "memoryMb",
    "maxReceiveCount",
    "maxMessageAgeSeconds",
)

SECONDS_PER_DAY = 86_400

# --- Lambda ----------------------------------------------------------------
LAMBDA_RUNTIME = "python3.13"
LAMBDA_ARCHITECTURE = "arm64"  # cheaper per GB-s than x86_64
LAMBDA_LOG_FORMAT = "JSON"
LOG_LEVEL = "INFO"  # Powertools log level: a healthy batch logs nothing at INFO, every failure does
PRODUCER_HANDLER = "handlers.producer.handler"  # contract: the runtime is one package in the archive
CONSUMER_HANDLER = "handlers.consumer.handler"
HANDLERS_DIR = "handlers"  # the shared runtime's package name inside every function's archive
CODE_PATH = "app"  # the team's code folder, relative to the project root (where Pulumi.yaml is)
REQUIREMENTS_FILE = "requirements.txt"  # in the code folder: its packages become a Lambda layer
LAYER_PYTHON_VERSION = "3.13"  # pip --python-version: matches LAMBDA_RUNTIME
LAYER_IMPLEMENTATION = "cp"  # pip --implementation: CPython, as Lambda runs
# pip --platform values for arm64 Lambda (Amazon Linux 2023, glibc 2.34): the manylinux tags it can load.
LAYER_PLATFORMS = ("manylinux_2_34_aarch64", "manylinux_2_28_aarch64", "manylinux2014_aarch64")
LAYER_CACHE_DIR = ".messaging/layers"  # under the project root: one zip per requirements hash, reused by preview
LAYER_NAME_PATTERN = r"[^A-Za-z0-9_-]"  # characters Lambda refuses in a layer name (replaced by "-")
LAYER_NAME_MAX_LENGTH = 140  # chars: Lambda's limit on a layer name
LAYER_NAME_HASH_CHARS = 8  # hex chars of the full name's hash that end a name cut to the limit, so it stays unique
PRODUCER_TIMEOUT_SECONDS = 30  # s: batching and bounded retries fit well inside
PRODUCER_MEMORY_MB = 256  # MB
PRODUCERS = ()  # the team's own publishing functions (messaging:producers): none unless configured

# Powertools for AWS Lambda (Python), as the AWS-published layer. The layer ARN
# is read at deploy time from AWS's public SSM parameter for exactly this
# release, so the layer always matches the pip pin in requirements.txt (a test
# keeps the two equal).
POWERTOOLS_VERSION = "3.37.0"
POWERTOOLS_LAYER_PARAMETER = "/aws/service/powertools/python/{architecture}/{runtime}/{version}"

# --- Routing spec limits (README: The routing spec) ------------------------
MATCH_KEYS = ("type", "source", "data")
ENVELOPE_STRING_KEYS = ("type", "source")  # always present strings in every envelope the producer sends
RESERVED_SOURCE_PREFIX = "aws."  # EventBridge refuses events whose source starts with it
MATCH_OPERATORS = ("prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case", "cidr")
OR_KEY = "$or"  # both services: a list of at least two objects, any of which may match
OR_MIN_BRANCHES = 2  # objects in `$or`: with fewer, both services read "$or" as a field name
# Operator names both services reserve: a `$or` branch naming a field after one is read as a field name.
RESERVED_FIELD_NAMES = (
    "anything-but",
    "exists",
    "prefix",
    "suffix",
    "numeric",
    "cidr",
    "equals-ignore-case",
    "wildcard",
)
NUMERIC_OPERATORS = ("=", "<", "<=", ">", ">=")
NUMERIC_LIMIT = 1_000_000_000  # SNS: numeric values within +-1e9 (EventBridge allows +-5e9)
NUMERIC_DECIMALS = 5  # SNS: five digits of accuracy after the decimal point (EventBridge: six)
FILTER_POLICY_MAX_KEYS = 5  # SNS: five keys; MessageBody policies count top-level keys only
FILTER_POLICY_MAX_COMBINATIONS = 150  # SNS: sum over `$or` branches of the product of (values x key depth)
MATCH_MAX_DEPTH = 5  # levels of objects under `data` (project limit: keeps patterns legible)
EVENT_PATTERN_MAX_CHARS = 2048  # chars: EventBridge's default "Event pattern size" quota (adjustable to 4,096)
KMS_DELETION_WINDOW_DAYS = 30  # days: the longest wait, to recover from a mistaken destroy

# --- Service quotas on how many consumers a topology can serve ------------------
# rules: EventBridge's default "Rules per event bus" quota (adjustable with a quota request); the
# program checks the default. The bus's archive puts one managed rule of its own on the bus.
EVENTBRIDGE_RULES_PER_BUS = 300
EVENTBRIDGE_RULES_PER_BUS_BY_REGION = {"af-south-1": 100, "eu-south-1": 100}  # rules: the regions with a lower default
EVENTBRIDGE_ARCHIVE_RULES = 1  # rules: the archive's managed rule on the bus
SNS_FIFO_TOPIC_SUBSCRIPTIONS = 100  # subscriptions: SNS's limit per FIFO topic (a standard topic takes 12.5 million)
SNS_FILTER_POLICIES_PER_TOPIC = 200  # filter policies: SNS's default per topic (adjustable with a quota request)

# --- Event schemas (messaging:schemas) --------------------------------------
SCHEMA_DISCOVERY = False  # discovery costs per ingested event beyond the free tier: opt in
SCHEMA_TYPE = "JSONSchemaDraft4"  # the one JSON Schema dialect EventBridge's registry takes
SCHEMA_DIALECT = "http://json-schema.org/draft-04/schema#"  # set on a schema without $schema, so both checks agree
SCHEMA_NAME_PATTERN = (
    r"^[A-Za-z0-9@._-]{1,385}$"  # a type names its schema: letters, digits and @ . _ - (kept conservative)
)
SCHEMA_ENV_MAX_BYTES = 3072  # bytes: Lambda allows 4 KB for all variables; the rest is the producer's own

# --- Schedules (messaging:schedules) -----------------------------------------
SCHEDULES = ()  # scheduled envelopes: none unless configured
SCHEDULE_NAME_PATTERN = r"^[0-9A-Za-z_.-]+$"  # EventBridge Scheduler's schedule-name characters
SCHEDULE_NAME_MAX_LENGTH = 64  # chars: EventBridge Scheduler's limit on a schedule name
SCHEDULE_CRON_YEARS = (1970, 2199)  # EventBridge Scheduler's cron year range
SCHEDULE_RATE_UNITS = ("minute", "hour", "day")  # rate(1 <unit>) / rate(N <unit>s)
# Filled from the invocation, so a scheduled envelope never carries them in config.
SCHEDULE_RUNTIME_FIELDS = ("id", "time")
SCHEDULE_MAX_EVENT_AGE_SECONDS = 3600  # s: a scheduled send that cannot reach the producer within the hour is late
SCHEDULE_MAX_RETRY_ATTEMPTS = 10  # attempts: Scheduler's retries of a failed Invoke (AWS allows 0-185)
SCHEDULE_ASYNC_RETRY_ATTEMPTS = 2  # attempts: Lambda's retries of a failed asynchronous producer run (AWS allows 0-2)
