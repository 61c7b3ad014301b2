"""Keywarden's Chalice application: wiring only; the code lives in chalicelib/."""

from chalice.app import Chalice

from chalicelib.api import audit, dev, health, members, nodes, openapi, projects, roles

app = Chalice(app_name="keywarden")

for module in (health, openapi, projects, members, roles, nodes, audit, dev):
    app.register_blueprint(module.router.blueprint)
