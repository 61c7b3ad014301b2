"""Charging the meters: rate-limit windows and credit balances, exact under any concurrency.

One verification's charge is one conditional write: an `UpdateItem` of the one meter it
touches, or a transaction of the two (a key's own limits or credits beside its identity's).
The write's condition is `domain.limits.judge`'s rule, stated for the item as it is when
the write applies; so every limit is charged or none is, no count passes its limit, no
balance goes below zero, whatever runs at the same time in any process. A refused write
returns the counts it saw (`ReturnValuesOnConditionCheckFailure`), so the caller can say
which limit refused without another read.

The attributes are names made of data, so the expressions are built here with PynamoDB's
expression classes and sent with the process's botocore client.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError
from msgspec import Struct
from pynamodb.attributes import NumberAttribute
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action, Update

from chalicelib import aws
from chalicelib.domain.limits import CreditCharge, Plan, RateCharge
from chalicelib.errors import ConflictError
from chalicelib.store.base import Transaction, TransactionCancelledError, transaction
from chalicelib.store.meter_models import MeterModel

State = dict[str, int]
# Transactions that lose a race with another transaction on the same meter are tried again.
_TRANSACTION_ATTEMPTS = 6


class Charged(Struct, frozen=True):
    """The outcome of a charge: `states` are the meters after it (accepted) or as the refused
    write found them (nothing charged), by meter id."""

    accepted: bool
    states: dict[str, State]


def _counter(name: str) -> NumberAttribute:
    return NumberAttribute(attr_name=name)


def _table() -> str:
    MeterModel._get_connection()  # binds the model to the settings' table name
    assert MeterModel.Meta.table_name is not None
    return MeterModel.Meta.table_name


def _credit_parts(charge: CreditCharge) -> tuple[Action, Condition | None]:
    balance = _counter(charge.attribute)
    # Enough left: the period's balance is at least the cost; a period not started yet has
    # the refill's amount, so it is enough exactly when that amount is.
    enough = balance >= charge.cost
    if charge.start >= charge.cost:
        enough = balance.does_not_exist() | enough
    return balance.set((balance | charge.start) - charge.cost), enough


def _expressions(rates: Sequence[RateCharge], credits: CreditCharge | None, remove: Sequence[str]) -> dict[str, Any]:
    actions: list[Action] = []
    condition: Condition | None = None
    for charge in rates:
        counter = _counter(charge.attribute)
        actions.append(counter.set((counter | 0) + charge.cost))
        room = counter.does_not_exist() | (counter <= charge.limit.limit - charge.cost)
        condition = room if condition is None else condition & room
    if credits is not None:
        action, enough = _credit_parts(credits)
        actions.append(action)
        if enough is not None:
            condition = enough if condition is None else condition & enough
    touched = {c.attribute for c in rates} | ({credits.attribute} if credits else set())
    actions.extend(_counter(name).remove() for name in remove if name not in touched)
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    request: dict[str, Any] = {"UpdateExpression": Update(*actions).serialize(names, values)}
    if condition is not None:
        request["ConditionExpression"] = condition.serialize(names, values)
    request["ExpressionAttributeNames"] = {placeholder: name for name, placeholder in names.items()}
    if values:
        request["ExpressionAttributeValues"] = values
    return request


def _state(item: Mapping[str, Any] | None) -> State:
    if not item:
        return {}
    return {name: int(value["N"]) for name, value in item.items() if "N" in value}


def charge(plan: Plan, remove: Mapping[str, Sequence[str]] | None = None) -> Charged:
    """Charges every counter of `plan` together, or none: one conditional write.

    `remove` names attributes of each meter that are no longer needed (windows and periods
    long past), dropped by the same write so that a meter stays small.
    """
    remove = remove or {}
    by_meter = {
        meter: (
            [c for c in plan.rates if c.holder == meter],
            plan.credits if plan.credits is not None and plan.credits.holder == meter else None,
        )
        for meter in plan.holders
    }
    if len(by_meter) == 1:
        [(meter, (rates, credits))] = by_meter.items()
        return _charge_one(meter, rates, credits, remove.get(meter, ()))
    return _charge_together(by_meter, remove)


def _charge_one(meter: str, rates: list[RateCharge], credits: CreditCharge | None, remove: Sequence[str]) -> Charged:
    request = _expressions(rates, credits, remove)
    try:
        answer = aws.client("dynamodb").update_item(
            TableName=_table(),
            Key={"id": {"S": meter}},
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
            **request,
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        return Charged(False, {meter: _state(error.response.get("Item"))})
    return Charged(True, {meter: _state(answer.get("Attributes"))})


def _charge_together(
    by_meter: Mapping[str, tuple[list[RateCharge], CreditCharge | None]], remove: Mapping[str, Sequence[str]]
) -> Charged:
    table = _table()
    items = [
        {
            "Update": {
                "TableName": table,
                "Key": {"id": {"S": meter}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                **_expressions(rates, credits, remove.get(meter, ())),
            }
        }
        for meter, (rates, credits) in by_meter.items()
    ]
    client = aws.client("dynamodb")
    for attempt in range(_TRANSACTION_ATTEMPTS):
        try:
            client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or []
            if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                # The items whose condition failed come back as the transaction saw them (their
                # counts say which limit refused); the others are read, for what they have left.
                seen = {m: _state(r["Item"]) for m, r in zip(by_meter, reasons, strict=False) if "Item" in r}
                unseen = [m for m in by_meter if m not in seen]
                return Charged(False, seen | (read(unseen) if unseen else {}))
            if attempt == _TRANSACTION_ATTEMPTS - 1:
                # Other transactions kept holding these meters: nothing was charged, and the
                # caller refuses (a verification never fails for a busy meter).
                return Charged(False, read(list(by_meter)))
            _pause(attempt)
            continue
        # A transaction returns no values: read what the charge left (what remains is for the answer).
        return Charged(True, read(list(by_meter)))
    raise AssertionError("unreachable")


def _pause(attempt: int) -> None:
    import random  # noqa: PLC0415 (only on a lost race)
    import time  # noqa: PLC0415

    time.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311 (jitter, not a secret)


def read(meters: Sequence[str]) -> dict[str, State]:
    """The meters' counts now (strongly consistent); a meter never written is empty."""
    if not meters:
        return {}
    answer = aws.client("dynamodb").batch_get_item(
        RequestItems={_table(): {"Keys": [{"id": {"S": m}} for m in meters], "ConsistentRead": True}}
    )
    found = {item["id"]["S"]: _state(item) for item in answer.get("Responses", {}).get(_table(), [])}
    return {m: found.get(m, {}) for m in meters}


def set_balance(txn: Transaction, meter: str, attribute: str, value: int | None, remove: Sequence[str] = ()) -> None:
    """Adds to `txn` setting a balance (a new holder's credits, or credits replaced; None:
    credits taken away), and dropping the attributes named in `remove`."""
    actions: list[Action] = [] if value is None else [_counter(attribute).set(value)]
    actions.extend(_counter(name).remove() for name in remove if value is None or name != attribute)
    if actions:
        txn.update(MeterModel(meter), actions=actions)


def change_balance(
    meter: str, attribute: str, start: int, op: str, value: int, audited: Callable[[Transaction], None]
) -> int:
    """Sets, increments or decrements a balance now, whatever verifications spend meanwhile;
    a decrement larger than the balance leaves 0 (never below). Returns the balance after.

    `start` is the balance of a period not started yet (the refill's amount). `audited` adds
    the change's audit event to the same transaction.
    """
    balance = _counter(attribute)
    covered = balance >= value if start < value else balance.does_not_exist() | (balance >= value)
    attempts: list[tuple[Action, Condition | None]]
    if op == "set":
        attempts = [(balance.set(value), None)]
    elif op == "increment":
        attempts = [(balance.set((balance | start) + value), None)]
    else:
        # Subtract while the balance covers it, else set 0 while it does not: each on its
        # condition, so a spend or an increment in between is never overwritten.
        attempts = [(balance.set((balance | start) - value), covered), (balance.set(0), ~covered)]
    for round_ in range(_TRANSACTION_ATTEMPTS):
        for action, condition in attempts:
            try:
                with transaction() as txn:
                    txn.update(MeterModel(meter), actions=[action], condition=condition, label="meter")
                    audited(txn)
            except TransactionCancelledError as error:
                if "meter" in error.failed or error.transient:
                    continue
                raise
            return max(0, read([meter])[meter].get(attribute, start))
        _pause(round_)
    raise ConflictError("the credits kept changing; try again")
