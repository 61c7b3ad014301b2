"""Schemathesis over the OpenAPI document the local stack serves (`make fuzz`)."""
