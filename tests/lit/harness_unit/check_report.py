"""Prints what a report directory holds, one fact a line, for FileCheck in the harness lit tests:
the implementations of summary.json with their counts, and the JUnit classnames."""
import json
import os
import sys
import xml.etree.ElementTree as ET

report = sys.argv[1]
with open(os.path.join(report, "summary.json")) as f:
    summary = json.load(f)
for name, impl in summary["implementations"].items():
    c = impl["counts"]
    print("impl %s id=%s available=%s passed=%d failed=%d" % (name, impl["id"], impl["available"], c["P"], c["F"]))
    for group, gc in sorted(impl["groups"].items()):
        print("impl %s group %s passed=%d" % (name, group, gc["P"]))
root = ET.parse(os.path.join(report, "junit.xml")).getroot()
for cls in sorted({tc.get("classname") for tc in root.iter("testcase")}):
    print("junit classname %s" % cls)
print("differences %d" % len(summary["differences"]))
