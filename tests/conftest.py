"""Every test runs against fake AWS credentials and the local stage unless it says otherwise."""

from __future__ import annotations

import os

# Before any botocore client exists: moto needs credentials, and nothing may reach AWS.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SECURITY_TOKEN="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    KEYWARDEN_STAGE="local",
)
for name in ("KEYWARDEN_DYNAMODB_ENDPOINT", "KEYWARDEN_KMS_ENDPOINT", "KEYWARDEN_OIDC_ISSUER", "PORT"):
    os.environ.pop(name, None)
