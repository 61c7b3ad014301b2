"""A project's app secrets by name: the secure key (signs launch parameters, as VK Mini Apps'
does) and the service key (the project's servers authenticate with it; prefixed, so that a
credential can be told apart from a person's token without a lookup)."""

from __future__ import annotations

SECURE_KEY = "secure_key"
SERVICE_KEY = "service_key"
SECRET_NAMES = (SECURE_KEY, SERVICE_KEY)
SERVICE_KEY_PREFIX = "kws_"
