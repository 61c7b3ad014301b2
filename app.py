"""Keywarden's Chalice application: wiring only; the code lives in chalicelib/."""

from chalicelib.api import (
    audit,
    dev,
    health,
    keys,
    launch_params,
    members,
    nodes,
    openapi,
    projects,
    roles,
    secrets,
    signing_keys,
    verify,
)
from chalicelib.api.gateway import KeywardenChalice

app = KeywardenChalice(app_name="keywarden")

for module in (
    health,
    openapi,
    projects,
    members,
    roles,
    nodes,
    audit,
    secrets,
    launch_params,
    keys,
    verify,
    signing_keys,
    dev,
):
    app.register_blueprint(module.router.blueprint)
