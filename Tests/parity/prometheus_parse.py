"""Parses Prometheus exposition text (stdin) with prometheus_client's own parser.

Prints one JSON object: {"metric_name": [[{label: value}, sample_value], ...]} keyed by sample
name; exits 1 with the parser's error when the text is not valid exposition format.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

out = {}
try:
    for family in text_string_to_metric_families(sys.stdin.read()):
        for s in family.samples:
            out.setdefault(s.name, []).append([s.labels, s.value])
except Exception as e:  # the parser's own error is the message
    print(f"invalid exposition format: {e}", file=sys.stderr)
    sys.exit(1)
print(json.dumps(out))
