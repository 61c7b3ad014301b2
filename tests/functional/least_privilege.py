"""Every AWS call the functional tests see, checked against the deployed role that would make it.

In AWS each function has a role of its own, built from `infra/keywarden_infra/access.py`
(GRANTS): the verification routes run in the verification function, other routes in the
API function, each job and the outbox stream handler in theirs. Here the same code runs in
one process, so each call is attributed to the function that would be serving it, turned
into the IAM actions and logical resources AWS would authorize, and checked against that
function's grants. A call outside any function (a test arranging data) is not checked.

A call a role does not allow would be AccessDenied in AWS, a 500 for the user: the test
that makes it fails here instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from keywarden_infra.access import VERIFY_ROUTES, allows

# A call, as IAM sees it: (function, action, logical resource).
Access = tuple[str, str, str]

_TRANSACT_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Get": "dynamodb:GetItem",
}


class Recorder:
    """Collects the accesses made while a function is serving, per thread."""

    def __init__(self) -> None:
        self._local = threading.local()
        self.accesses: list[Access] = []
        self._lock = threading.Lock()
        self._key_names: dict[str, str] = {}
        self.active = False

    @property
    def function(self) -> str | None:
        """The function this thread serves (threads of a function's own pool inherit it: see
        `in_pool`)."""
        return getattr(self._local, "function", None)

    @contextmanager
    def serving(self, function: str) -> Iterator[None]:
        """Calls made in the block are `function`'s (nested: the innermost wins)."""
        outer = self.function
        self._local.function = function
        try:
            yield
        finally:
            self._local.function = outer

    def start(self) -> None:
        with self._lock:
            self.accesses = []
            self._key_names = {}
            self.active = True

    def stop(self) -> list[Access]:
        with self._lock:
            self.active = False
            return list(self.accesses)

    def violations(self, accesses: list[Access]) -> list[Access]:
        return sorted({access for access in accesses if not allows(*access)})

    # --- botocore hook ---------------------------------------------------------------

    def on_call(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        function = self.function
        if not self.active or function is None or getattr(self._local, "resolving", False):
            return
        service = model.service_model.endpoint_prefix
        for action, resource in self._accesses(service, model.name, params):
            with self._lock:
                self.accesses.append((function, action, resource))

    def _accesses(self, service: str, operation: str, params: dict[str, Any]) -> Iterator[tuple[str, str]]:
        if service == "dynamodb":
            yield from _dynamodb_accesses(operation, params)
        elif service == "kms":
            yield f"kms:{operation}", self._kms_resource(operation, params)
        else:
            yield f"{service}:{operation}", "*"

    def _kms_resource(self, operation: str, params: dict[str, Any]) -> str:
        from chalicelib.config import get_settings
        from chalicelib.crypto.keys import deployment_tags

        prefix = get_settings().table_prefix
        if operation == "CreateKey":
            # Allowed only with exactly the deployment's tag (see infra/keywarden_infra/roles.py).
            return "key:new" if params.get("Tags") == deployment_tags(prefix) else "key:untagged"
        key_id = str(params.get("KeyId", ""))
        alias_prefix = f"alias/{prefix}-"
        if key_id.startswith(alias_prefix):
            return "key:" + key_id[len(alias_prefix) :]
        return self._named_key(key_id, prefix)

    def _named_key(self, key_id: str, prefix: str) -> str:
        """A key given by id or ARN: the logical key an alias names it as, or a rotated signing
        key (if it carries the deployment's tag)."""
        key_id = key_id.rsplit("/", 1)[-1]
        if key_id not in self._key_names:
            from chalicelib.crypto.keys import DEPLOYMENT_TAG
            from chalicelib.crypto.kms import kms_client

            self._local.resolving = True
            try:
                kms = kms_client()
                alias_prefix = f"alias/{prefix}-"
                for alias in kms.list_aliases()["Aliases"]:
                    if alias.get("TargetKeyId") == key_id and alias["AliasName"].startswith(alias_prefix):
                        self._key_names[key_id] = "key:" + alias["AliasName"][len(alias_prefix) :]
                        break
                else:
                    tags = kms.list_resource_tags(KeyId=key_id)["Tags"]
                    tagged = {"TagKey": DEPLOYMENT_TAG, "TagValue": prefix} in tags
                    self._key_names[key_id] = "key:rotated-signing" if tagged else "key:untagged"
            finally:
                self._local.resolving = False
        return self._key_names[key_id]


def _dynamodb_accesses(operation: str, params: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if operation in ("TransactWriteItems", "TransactGetItems"):
        for item in params["TransactItems"]:
            for kind, body in item.items():
                yield _TRANSACT_ACTIONS[kind], _table(body["TableName"])
    elif operation in ("BatchGetItem", "BatchWriteItem"):
        for table in params["RequestItems"]:
            yield f"dynamodb:{operation}", _table(table)
    else:
        table = _table(params["TableName"])
        index = params.get("IndexName")
        resource = f"index:{table.removeprefix('table:')}/{index}" if index else table
        yield f"dynamodb:{operation}", resource


def _table(name: str) -> str:
    from chalicelib.config import get_settings

    prefix = get_settings().table_prefix + "-"
    return "table:" + (name[len(prefix) :] if name.startswith(prefix) else name)


def function_for_route(method: str | None, resource_path: str | None) -> str:
    # HEAD runs GET's view (chalicelib.api.http.Router.route), so it is served where GET is.
    method = "GET" if method == "HEAD" else method
    return "verify" if (method, resource_path) in VERIFY_ROUTES else "api"


RECORDER = Recorder()
_hooked = False


def hook_botocore() -> None:
    """Registers the recorder on the process's botocore session: every client made from it
    (the service's shared DynamoDB and KMS clients) reports its calls."""
    global _hooked
    if _hooked:
        return
    from chalicelib import aws

    aws._botocore_session().register("before-parameter-build", RECORDER.on_call)
    _hooked = True


def attributing(original: Callable[..., Any], function: Callable[..., str]) -> Callable[..., Any]:
    """`original`, run as the function `function(*args)` names."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with RECORDER.serving(function(*args, **kwargs)):
            return original(*args, **kwargs)

    return wrapper


def in_pool(parallel: Callable[[Any, list[Any]], list[Any]]) -> Callable[[Any, list[Any]], list[Any]]:
    """`parallel(work, items)` (a function's thread pool) whose workers serve the caller's function."""

    def wrapper(work: Any, items: list[Any]) -> list[Any]:
        function = RECORDER.function
        if function is not None:
            work = attributing(work, lambda *_, **__: function)
        return parallel(work, items)

    return wrapper
