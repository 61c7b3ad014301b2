"""Every operation of the served OpenAPI document, fuzzed with valid and invalid data.

Checks: schemathesis's defaults (no 5xx, documented statuses, content types, headers and
response schemas, negative data rejected, valid data accepted, auth not ignored, ...) and
`harness.problem_details` (every 4xx/5xx is an RFC 9457 problem). `test_operation` records
failures; `test_no_findings` fails listing all of them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import requests
import schemathesis
from schemathesis.generation.case import Case

from tests.fuzz import harness

schema = schemathesis.pytest.from_fixture("fuzz_schema")


@schema.parametrize()
def test_operation(case: Case, http_session: requests.Session, findings: harness.Findings) -> None:
    harness.run_case(case, http_session, findings)


def test_no_findings(findings: harness.Findings) -> None:
    target = os.environ.get("KEYWARDEN_FUZZ_REPORT")
    if target:
        Path(target).write_text(
            json.dumps({"calls": findings.calls, "phases": findings.phases, "findings": findings.as_json()}, indent=1)
        )
    assert findings.calls, "no operation was fuzzed"
    if findings.by_key:
        pytest.fail(f"{len(findings.by_key)} distinct failure(s)\n{findings.report()}", pytrace=False)


def test_stack_logged_no_errors(fuzz_stack: harness.WatchedStack) -> None:
    """An exception the service caught and answered as a 4xx, or one in a background thread, still shows here."""
    if fuzz_stack.error_lines:
        pytest.fail("\n".join(fuzz_stack.error_lines[:200]), pytrace=False)
