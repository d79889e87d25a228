# Parses a Prometheus text exposition from stdin with prometheus_client's own parser (Debian
# python3-prometheus-client) and checks what that parser tolerates but the format forbids: a family split
# into several (its samples interleaved with another's), a family without HELP or TYPE. Prints the families
# as JSON on stdout (a non-finite value as the string "inf", "-inf" or "nan"); exits 1 with the reason on stderr when the text is not a valid exposition.
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families

text = sys.stdin.read()
seen = set()
out = []
try:
    for family in text_string_to_metric_families(text):
        if family.name in seen:
            sys.exit(f"family {family.name} appears more than once (interleaved samples)")
        seen.add(family.name)
        if family.type == "unknown":
            sys.exit(f"family {family.name} has no TYPE line")
        if not family.documentation:
            sys.exit(f"family {family.name} has no HELP line")
        out.append({
            "name": family.name,
            "type": family.type,
            "help": family.documentation,
            "samples": [{"name": s.name, "labels": s.labels, "value": s.value if math.isfinite(s.value) else str(s.value)} for s in family.samples],
        })
except ValueError as error:
    sys.exit(f"parse error: {error}")
json.dump(out, sys.stdout)
