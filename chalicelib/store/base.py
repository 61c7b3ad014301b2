"""PynamoDB plumbing: models bound to their tables at first use, and transactions.

Table names, the endpoint and the region come from settings, and settings are read
at first use, never at import (see chalicelib.config). PynamoDB reads `Meta` when it
builds a model's connection, so `KeywardenModel._get_connection` fills `Meta` in from
the settings right before the first connection is made; `unbind_all()` forgets that
binding so that tests and the local stack can point the models elsewhere.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar

from pynamodb.connection import Connection
from pynamodb.connection.table import TableConnection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib import aws
from chalicelib.config import get_settings
from chalicelib.errors import ConflictError
from chalicelib.resets import on_reset

_REGISTRY: list[type[KeywardenModel]] = []
_transaction_connection: Connection | None = None


class KeywardenModel(Model):
    """Base of every table model. Subclasses set `logical_name` and an empty `Meta`.

    Each subclass is one DynamoDB table, named `<table_prefix>-<logical_name>` (see
    Settings.table_name); `tables.all_models()` lists them all.
    """

    logical_name: ClassVar[str] = ""

    class Meta:
        table_name: str | None = None
        host: str | None = None
        region: str | None = None
        # Lambda-sized timeouts: a stuck connection must fail the request, not the function.
        connect_timeout_seconds = 2
        read_timeout_seconds = 5
        max_retry_attempts = 3

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.logical_name:
            _REGISTRY.append(cls)

    @classmethod
    def _get_connection(cls) -> TableConnection:
        if cls.Meta.table_name is None:
            settings = get_settings()
            cls.Meta.table_name = settings.table_name(cls.logical_name)
            cls.Meta.host = settings.dynamodb_endpoint
            cls.Meta.region = settings.region
        connection = super()._get_connection()
        _share_client(connection.connection)
        return connection


def defined_models() -> list[type[KeywardenModel]]:
    """The table models defined so far (their modules imported); `tables.all_models()` has them all."""
    return list(_REGISTRY)


@on_reset
def unbind_all() -> None:
    """Forgets table names and connections; the next use binds to the current settings.

    Only models already defined can be bound: one defined later starts unbound.
    """
    global _transaction_connection
    for model in defined_models():
        model.Meta.table_name = None
        model._connection = None
    _transaction_connection = None


def _share_client(connection: Connection) -> None:
    # PynamoDB keeps one botocore client per connection in `_client` (pynamodb 6.1); giving
    # them all the process's one client saves a botocore session per table (see chalicelib.aws).
    if connection._client is None:
        connection._client = aws.client("dynamodb")


def _connection() -> Connection:
    global _transaction_connection
    if _transaction_connection is None:
        settings = get_settings()
        _transaction_connection = Connection(region=settings.region, host=settings.dynamodb_endpoint)
        _share_client(_transaction_connection)
    return _transaction_connection


class TransactionCancelledError(ConflictError):
    """A transaction was cancelled; `failed` names the labelled items whose condition failed.

    A ConflictError, so that one no repository explains still answers 409, never 500.
    """

    def __init__(self, failed: set[str], codes: list[str]) -> None:
        super().__init__("the data changed while this request ran; read it again and retry")
        self.failed = failed
        self.codes = codes

    @property
    def transient(self) -> bool:
        """Cancelled only because another transaction held an item: trying again may succeed."""
        return not self.failed and "TransactionConflict" in self.codes


class Transaction:
    """A TransactWrite whose items carry labels, so a cancellation can say which item failed.

    PynamoDB sends condition checks first, then deletes, puts and updates, whatever order
    they were added in, and DynamoDB reports cancellation reasons in the order sent; the
    labels are kept in that same order.
    """

    def __init__(self, txn: TransactWrite) -> None:
        self._txn = txn
        self._labels: dict[str, list[str]] = {"check": [], "delete": [], "put": [], "update": []}

    def save(self, model: Model, *, condition: Condition | None = None, label: str = "") -> None:
        self._txn.save(model, condition=condition)
        self._labels["put"].append(label)

    def update(
        self, model: Model, actions: list[Action], *, condition: Condition | None = None, label: str = ""
    ) -> None:
        self._txn.update(model, actions=actions, condition=condition)
        self._labels["update"].append(label)

    def delete(self, model: Model, *, condition: Condition | None = None, label: str = "") -> None:
        self._txn.delete(model, condition=condition)
        self._labels["delete"].append(label)

    def condition_check(
        self, model_cls: type[Model], hash_key: Any, range_key: Any = None, *, condition: Condition, label: str = ""
    ) -> None:
        self._txn.condition_check(model_cls, hash_key, range_key, condition=condition)
        self._labels["check"].append(label)

    def cancelled(self, error: TransactWriteError) -> TransactionCancelledError:
        order = self._labels["check"] + self._labels["delete"] + self._labels["put"] + self._labels["update"]
        reasons = error.cancellation_reasons or []
        failed = {
            label
            for label, reason in zip(order, reasons, strict=False)
            if reason is not None and reason.code == "ConditionalCheckFailed"
        }
        codes = [reason.code for reason in reasons if reason is not None and reason.code != "None"]
        return TransactionCancelledError(failed, codes)


@contextmanager
def transaction() -> Iterator[Transaction]:
    """One DynamoDB transaction: every item written in the block commits, or none does.

    Raises TransactionCancelledError (a 409 unless the caller explains it better) when a
    condition fails or another transaction got in the way.
    """
    # The token makes a retry of the same transaction idempotent for 10 minutes: when a
    # response is lost and botocore sends it again, DynamoDB answers with the first outcome
    # instead of failing the conditions the first attempt already changed.
    txn = TransactWrite(connection=_connection(), client_request_token=os.urandom(16).hex())
    labelled = Transaction(txn)
    try:
        with txn:
            yield labelled
    except TransactWriteError as error:
        if error.cause_response_code != "TransactionCanceledException":
            raise
        raise labelled.cancelled(error) from error


T = TypeVar("T")
RETRY_ATTEMPTS = 4


def retrying(attempt: Callable[[], T], *, retry_if: Callable[[TransactionCancelledError], bool]) -> T:
    """Runs `attempt` (which reads what it needs and commits one transaction) until it commits,
    at most RETRY_ATTEMPTS times, while its cancellations are transient or pass `retry_if`.

    For changes that commute with what they raced (a key issued while another is issued):
    the caller should not see a 409 for a race the service can resolve by itself. Full jitter
    between tries, so that parallel callers spread out instead of colliding again.
    """
    for tries in range(1, RETRY_ATTEMPTS + 1):
        try:
            return attempt()
        except TransactionCancelledError as error:
            if tries == RETRY_ATTEMPTS or not (error.transient or retry_if(error)):
                raise
            time.sleep(random.uniform(0, 0.025 * 2**tries))  # noqa: S311 (jitter, not a secret)
    raise AssertionError("unreachable")
