"""The local stack's embedded AWS (devstack.moto_server) against moto itself, over real HTTP on
127.0.0.1: transactions do not undo each other, and ClientRequestToken makes a retry safe."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.resets import reset_all
from devstack.aws import provision, start_moto
from devstack.moto_server import TRANSACT_WRITE_ITEMS, EmbeddedMotoServer

FILLER_ITEMS = 1000  # moto deep-copies the whole table per transaction: a wide window for the race
WRITERS = 6
FAILERS = 6
ROUNDS = 15


# Threads this module starts: werkzeug's per-connection ones, the server's, the proxy's.
_OUR_THREADS = ("process_request_thread", "moto-server", "dropping-proxy", "proxied-connection")


def _our_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if any(mark in t.name for mark in _OUR_THREADS)]


@pytest.fixture
def server() -> Iterator[EmbeddedMotoServer]:
    """A started embedded moto server; afterwards stopped, and no thread of it (or of a proxy) left."""
    started, url = start_moto()
    assert url.startswith("http://127.0.0.1:")
    try:
        yield started
    finally:
        started.stop()
    deadline = time.monotonic() + 5
    while _our_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _our_threads()


@contextlib.contextmanager
def dynamodb(url: str, pool: int = 10) -> Iterator[Any]:
    """A boto3 DynamoDB client for `url`, closed (with its connections) afterwards."""
    # No retries: an acknowledged write is one whose first and only attempt said so.
    config = Config(retries={"total_max_attempts": 1}, max_pool_connections=pool)
    client = boto3.client("dynamodb", endpoint_url=url, config=config)
    try:
        yield client
    finally:
        client.close()


@contextlib.contextmanager
def table(client: Any) -> Iterator[str]:
    name = f"race-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        yield name
    finally:
        client.delete_table(TableName=name)


def burst_round(client: Any, name: str, round_: int, unexpected: list[str]) -> list[int]:
    """WRITERS transactions that each set their own item to `round_`, released at once with
    FAILERS transactions whose condition fails; returns the writers whose write was acknowledged."""
    barrier = threading.Barrier(WRITERS + FAILERS)
    acknowledged: list[int] = []

    def write(writer: int) -> None:
        barrier.wait()
        item = {"pk": {"S": f"w{writer}"}, "round": {"N": str(round_)}}
        try:
            client.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": item}}])
        except Exception as error:
            unexpected.append(repr(error))
        else:
            acknowledged.append(writer)

    def fail() -> None:
        barrier.wait()
        check = {"TableName": name, "Key": {"pk": {"S": "filler-0"}}, "ConditionExpression": "attribute_not_exists(pk)"}
        with contextlib.suppress(client.exceptions.TransactionCanceledException):
            client.transact_write_items(TransactItems=[{"ConditionCheck": check}])
            unexpected.append("a failing condition succeeded")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    threads += [threading.Thread(target=fail) for _ in range(FAILERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return acknowledged


def test_a_failed_transaction_never_undoes_an_acknowledged_write(server: EmbeddedMotoServer) -> None:
    with dynamodb(server.url, pool=WRITERS + FAILERS) as client, table(client) as name:
        fillers = [
            {"PutRequest": {"Item": {"pk": {"S": f"filler-{i}"}, "v": {"S": "x" * 40}}}} for i in range(FILLER_ITEMS)
        ]
        for start in range(0, len(fillers), 25):
            client.batch_write_item(RequestItems={name: fillers[start : start + 25]})
        for writer in range(WRITERS):
            client.put_item(TableName=name, Item={"pk": {"S": f"w{writer}"}, "round": {"N": "0"}})

        lost: list[tuple[int, int, str]] = []
        unexpected: list[str] = []
        for round_ in range(1, ROUNDS + 1):
            for writer in burst_round(client, name, round_, unexpected):
                item = client.get_item(TableName=name, Key={"pk": {"S": f"w{writer}"}}, ConsistentRead=True)["Item"]
                if item["round"]["N"] != str(round_):
                    lost.append((round_, writer, item["round"]["N"]))
        assert not unexpected
        assert not lost, f"acknowledged writes undone (round, writer, round found): {lost}"


# --- ClientRequestToken ---------------------------------------------------------


def test_a_token_replays_a_transaction_and_refuses_another_request(server: EmbeddedMotoServer) -> None:
    with dynamodb(server.url) as client, table(client) as name:
        put = [
            {
                "Put": {
                    "TableName": name,
                    "Item": {"pk": {"S": "once"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        client.transact_write_items(TransactItems=put, ClientRequestToken="token-1")

        # What a retry would meet without token support: its own first attempt's write.
        with pytest.raises(client.exceptions.TransactionCanceledException):
            client.transact_write_items(TransactItems=put, ClientRequestToken="token-2")
        # With it, the same request under the same token is the first outcome again.
        assert (
            client.transact_write_items(TransactItems=put, ClientRequestToken="token-1")["ResponseMetadata"][
                "HTTPStatusCode"
            ]
            == 200
        )

        other = [{"Put": {"TableName": name, "Item": {"pk": {"S": "other"}}}}]
        with pytest.raises(ClientError) as refused:
            client.transact_write_items(TransactItems=other, ClientRequestToken="token-1")
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
        assert "Item" not in client.get_item(TableName=name, Key={"pk": {"S": "other"}})


class DroppingProxy:
    """HTTP/1.1 on 127.0.0.1 in front of `upstream_port`: forwards every request, but closes the
    client's connection instead of relaying the response of the first request for `target`."""

    def __init__(self, upstream_port: int, target: str) -> None:
        self.upstream_port = upstream_port
        self.target = target
        self.tokens: list[str] = []  # ClientRequestToken of each forwarded `target` request
        self.dropped = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        self._accepting = threading.Thread(target=self._accept, name="dropping-proxy", daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections.append(connection)
            thread = threading.Thread(target=self._serve, args=(connection,), name="proxied-connection", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=10)
        reader = connection.makefile("rb")
        try:
            while True:
                request_line = reader.readline()
                if not request_line:
                    return
                method, path, _ = request_line.decode("latin-1").split(" ", 2)
                headers: list[tuple[str, str]] = []
                while (line := reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers.append((name.strip(), value.strip()))
                named = {name.lower(): value for name, value in headers}
                body = reader.read(int(named.get("content-length", "0")))
                upstream.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    upstream.putheader(name, value)
                upstream.endheaders(body)
                response = upstream.getresponse()
                data = response.read()
                if named.get("x-amz-target") == self.target:
                    with self._lock:
                        self.tokens.append(json.loads(body).get("ClientRequestToken", ""))
                        drop = self.dropped == 0
                        self.dropped += drop
                    if drop:
                        return  # the request was applied; its answer is lost on the way back
                head = [f"HTTP/1.1 {response.status} {response.reason}"]
                head += [
                    f"{name}: {value}"
                    for name, value in response.getheaders()
                    if name.lower() not in ("content-length", "transfer-encoding", "connection")
                ]
                head.append(f"Content-Length: {len(data)}")
                connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)
        except OSError:
            return
        finally:
            upstream.close()
            reader.close()
            connection.close()

    def close(self) -> None:
        """Stops accepting, ends every connection, and waits for the proxy's threads."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() a close() would not
        self._listener.close()
        with self._lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        self._accepting.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)


@pytest.fixture
def service_behind_proxy(server: EmbeddedMotoServer) -> Iterator[DroppingProxy]:
    """The service's models and KMS client pointed at `server` through a DroppingProxy."""
    names = ("KEYWARDEN_DYNAMODB_ENDPOINT", "KEYWARDEN_KMS_ENDPOINT")
    saved = {name: os.environ.get(name) for name in names}
    port = int(server.url.rsplit(":", 1)[1])
    proxy = DroppingProxy(port, TRANSACT_WRITE_ITEMS)
    try:
        provision(server.url)  # tables and keys, made directly
        _close_service_clients()
        for name in names:
            os.environ[name] = proxy.url
        reset_all()
        yield proxy
    finally:
        _close_service_clients()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_all()
        proxy.close()


def _close_service_clients() -> None:
    # reset_all() forgets the shared clients but leaves their kept-alive connections open,
    # each holding a server thread until it is collected.
    for service in ("dynamodb", "kms"):
        aws.client(service).close()


def test_a_transaction_whose_answer_was_lost_is_retried_safely(service_behind_proxy: DroppingProxy) -> None:
    from chalicelib.services.projects import create_project
    from chalicelib.store.project_models import ProjectModel

    name = f"x-{uuid.uuid4().hex[:8]}"
    project = create_project(name, "", "ann")  # botocore retries the dropped TransactWriteItems

    proxy = service_behind_proxy
    assert proxy.dropped == 1
    assert len(proxy.tokens) == 2 and proxy.tokens[0] == proxy.tokens[1] != ""
    found = [p for p in ProjectModel.scan(ProjectModel.name == name, consistent_read=True)]
    assert [p.id for p in found] == [project.id]
    assert found[0].owner_count == 1
