"""What the service tells its operators, as JSON lines on stdout.

In Lambda, stdout is the function's CloudWatch log stream: each line is one event that
Logs Insights queries by field, and a line in CloudWatch's Embedded Metric Format (EMF)
becomes metrics with no API call. The local stack prints the same lines.

- `logs`: every `keywarden.*` logger writes JSON through powertools' Logger;
- `metrics`: verification outcomes and latency, as EMF (encoded directly: see the module);
- `chalicelib.api.request_log`: the one line per HTTP request, written by the outermost
  layer (`chalicelib.api.gateway.KeywardenChalice.__call__`).
"""
