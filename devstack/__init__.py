"""The local stack: the whole service on one machine, for `make dev` and e2e tests.

Not part of the Lambda package: it needs moto and chalice's local server.
"""
