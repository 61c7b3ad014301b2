"""A resource server protected by Keywarden: a small orders API on FastAPI.

Run it against a Keywarden (e.g. `make dev`) with the project's service key::

    pip install './clients/python[fastapi]' uvicorn
    KEYWARDEN_URL=http://127.0.0.1:8000 KEYWARDEN_SERVICE_KEY=kws_... \
        uvicorn --app-dir clients/python/examples orders_api:app --port 9000

    curl -H "Authorization: Bearer kw_..." http://127.0.0.1:9000/orders

Reading orders needs `orders:read`, placing one `orders:write`. JWT keys are checked offline;
opaque keys and HMAC-signed requests by the service.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime, and
# they name `auth`, a local of create_app.
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from keywarden import Verification, Verifier
from keywarden.fastapi import KeywardenAuth

ORDERS = [{"id": "ord_1", "item": "tea", "quantity": 2}]


def create_app(verifier: Verifier) -> FastAPI:
    auth = KeywardenAuth(verifier)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        verifier.start()  # read the signing keys and the feed before the first request
        yield
        await verifier.aclose()

    app = FastAPI(title="Orders", lifespan=lifespan)
    auth.install(app)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/orders")
    async def list_orders(key: Annotated[Verification, Depends(auth.require("orders:read"))]) -> dict[str, Any]:
        return {"orders": ORDERS, "key_id": key.key_id, "owner_id": key.owner_id, "offline": key.offline}

    @app.post("/orders", status_code=201)
    async def place_order(
        order: dict[str, Any], key: Annotated[Verification, Depends(auth.require("orders:write"))]
    ) -> dict[str, Any]:
        return {"id": f"ord_{len(ORDERS) + 1}", **order, "placed_by": key.owner_id}

    return app


def __getattr__(name: str) -> Any:
    # `orders_api:app` for uvicorn, built from the environment when asked for (not at import).
    if name == "app":
        return create_app(Verifier(os.environ["KEYWARDEN_URL"], os.environ["KEYWARDEN_SERVICE_KEY"]))
    raise AttributeError(name)
