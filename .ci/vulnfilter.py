"""Summarise govulncheck's JSON stream and fail on fixable module findings.

A finding whose trace reaches a function of the module (it has a called
function in its first frame) counts. Findings in the standard library are
listed as warnings; findings in other modules fail the run.
"""
import json
import sys


def frames(finding):
    return finding.get("trace") or []


def main():
    decoder = json.JSONDecoder()
    text = sys.stdin.read()
    pos, called = 0, {}
    while pos < len(text):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        msg, pos = decoder.raw_decode(text, pos)
        finding = msg.get("finding")
        if not finding:
            continue
        trace = frames(finding)
        if not trace or not trace[0].get("function"):
            continue  # imported or required, but never called
        module = trace[0].get("module", "")
        called[(finding["osv"], module)] = finding.get("fixed_version", "")

    failed = False
    for (osv, module), fixed in sorted(called.items()):
        if module == "stdlib":
            print(f"warning: {osv} in the standard library, fixed in Go {fixed or '(no fix yet)'}")
        else:
            print(f"FAIL: {osv} in {module}, fixed in {fixed or '(no fix yet)'}")
            failed = True
    print(f"govulncheck: {len(called)} called vulnerabilities, "
          f"{sum(1 for (_, m) in called if m != 'stdlib')} in modules")
    sys.exit(1 if failed else 0)


main()
