"""powertools' Logger, made for the `keywarden` logger's handler (see `logs`): imported at the first record.

`logs` imports this, never the other way: the service's name is passed in.
"""

from __future__ import annotations

import logging

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter


def attach_powertools(handler: logging.Handler, service: str) -> Logger:
    """A powertools Logger for the logger named `service`, writing through `handler` with its
    JSON formatter: timestamps in UTC, RFC 3339."""
    return Logger(
        service=service,
        logger_handler=handler,
        logger_formatter=LambdaPowertoolsFormatter(utc=True, use_rfc3339=True),
    )
