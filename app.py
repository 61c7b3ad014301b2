"""Keywarden's Chalice application: wiring only; the code lives in chalicelib/."""

from chalice.app import Chalice

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
    verify,
)

app = Chalice(app_name="keywarden")

for module in (health, openapi, projects, members, roles, nodes, audit, secrets, launch_params, keys, verify, dev):
    app.register_blueprint(module.router.blueprint)
