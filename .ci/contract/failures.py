"""Distinct failures of one schemathesis run, grouped, from its NDJSON report.

    python .ci/contract/failures.py target/contract/state-admin/ndjson-*.ndjson

Prints, per operation and failure kind: how often, in which phases, the
checks that reported it, and one request that shows it (as curl, without the
Authorization header, which the report filters). Every server error (5xx) is
listed with each distinct request.
"""

import base64
import json
import shlex
import sys
from collections import defaultdict


def body_text(content):
    if not content:
        return ""
    if "$base64" in content:
        try:
            return base64.b64decode(content["$base64"]).decode("utf-8", "replace")
        except ValueError:
            return "<undecodable>"
    return str(content)


def curl(case, interaction):
    req = interaction["request"]
    parts = ["curl", "-i", "-X", req["method"], req["uri"]]
    for name, values in (req.get("headers") or {}).items():
        if name.lower() in ("content-length", "user-agent", "accept", "accept-encoding", "connection", "x-schemathesis-testcaseid"):
            continue
        for v in values:
            if v == "[Filtered]":
                v = "Bearer $TOKEN" if name.lower() == "authorization" else "$FILTERED"
            parts += ["-H", f"{name}: {v}"]
    body = req.get("body")
    if body:
        parts += ["--data-binary", body_text(body)]
    elif "body" in case and case["body"] is not None:
        parts += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(case["body"])]
    return " ".join(shlex.quote(p) if not p.startswith("$") and not p.startswith("Bearer $") else f'"{p}"' for p in parts)


def main(paths):
    groups = {}
    server_errors = defaultdict(list)
    cases_total = 0
    for path in paths:
        for line in open(path, encoding="utf-8"):
            event = json.loads(line)
            s = event.get("ScenarioFinished")
            if not s:
                continue
            rec = s["recorder"]
            cases_total += len(rec.get("cases", {}))
            for cid, checks in rec.get("checks", {}).items():
                for check in checks:
                    if check["status"] != "failure":
                        continue
                    f = check["failure_info"]["failure"]
                    inter = rec.get("interactions", {}).get(cid)
                    case = rec["cases"].get(cid, {}).get("value", {})
                    key = (f["operation"], f["code"], f["title"])
                    g = groups.setdefault(key, {"count": 0, "phases": set(), "checks": set(), "example": None, "message": f.get("message", "")})
                    g["count"] += 1
                    g["phases"].add(s["phase"])
                    g["checks"].add(check["name"])
                    if g["example"] is None and inter:
                        g["example"] = (case, inter)
                    if f["code"] == "ST101" and inter:
                        resp = inter.get("response") or {}
                        sig = (inter["request"]["method"], inter["request"]["uri"], json.dumps(case.get("body"), sort_keys=True), json.dumps(case.get("query"), sort_keys=True))
                        if sig not in {x[0] for x in server_errors[f["operation"]]}:
                            server_errors[f["operation"]].append((sig, case, inter, resp.get("status_code"), body_text(resp.get("content"))[:300]))

    print(f"{len(groups)} distinct failures (operation, kind); {cases_total} recorded cases")
    for (op, code, title), g in sorted(groups.items()):
        print(f"\n- {op}: {code} {title} x{g['count']} [{', '.join(sorted(g['phases']))}; {', '.join(sorted(g['checks']))}]")
        msg = " ".join(g["message"].split())
        if msg:
            print(f"    {msg[:400]}")
        if g["example"]:
            case, inter = g["example"]
            resp = inter.get("response") or {}
            print(f"    {curl(case, inter)}")
            print(f"    -> {resp.get('status_code')} {body_text(resp.get('content'))[:200]}")
    if server_errors:
        print("\n== server errors (5xx), every distinct request")
        for op, items in sorted(server_errors.items()):
            print(f"\n- {op}: {len(items)} distinct requests")
            for _, case, inter, status, text in items[:20]:
                print(f"    {curl(case, inter)}")
                print(f"    -> {status} {text}")
            if len(items) > 20:
                print(f"    ... {len(items) - 20} more")


if __name__ == "__main__":
    main(sys.argv[1:])
