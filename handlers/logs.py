"""The runtime's one Powertools Logger.

Service name and level come from POWERTOOLS_SERVICE_NAME and
POWERTOOLS_LOG_LEVEL, which Powertools reads itself when this module loads
(once per cold start). Every runtime module logs through this logger, and the
handlers add the Lambda context with `inject_lambda_context`.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger()
