"""powertools' Logger, made for the `keywarden` logger's handler (see `logs`): imported at the first record."""

from __future__ import annotations

import logging

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from chalicelib.observability.logs import SERVICE


def attach_powertools(handler: logging.Handler) -> Logger:
    """A powertools Logger for the `keywarden` logger, writing through `handler` with its JSON
    formatter: timestamps in UTC, RFC 3339."""
    return Logger(
        service=SERVICE,
        logger_handler=handler,
        logger_formatter=LambdaPowertoolsFormatter(utc=True, use_rfc3339=True),
    )
