"""report/junit.xml: one <testcase> per guest case per configuration."""
import xml.etree.ElementTree as ET

from . import results as R


def _clean(text):
    # XML 1.0 forbids most control characters; the console may contain them.
    return "".join(ch if ch in "\t\n\r" or ord(ch) >= 0x20 else "?" for ch in text)


def build(all_results):
    root = ET.Element("testsuites", name="viommu-conformance")
    for r in all_results:
        if not r.available:
            continue
        c = r.counts()
        suite = ET.SubElement(root, "testsuite", name=r.label, tests=str(len(r.cases)),
                              failures=str(c["F"] + c["U"]), errors="0", skipped=str(c["S"]),
                              time="%.3f" % r.elapsed)
        props = ET.SubElement(suite, "properties")
        for k, v in (("implementation", r.implementation), ("qemu.version", r.qemu_version or ""),
                     ("qemu.binary", r.qemu_binary or ""),
                     ("command", r.reproduce)):
            ET.SubElement(props, "property", name=k, value=_clean(v))
        for case in r.cases:
            # classname <implementation>.<configuration>: CI viewers group by implementation.
            tc = ET.SubElement(suite, "testcase", classname="%s.%s" % (r.ident, r.config), name=case.name,
                               time="0")
            body = _clean("\n".join(case.details))
            if case.status in R.FAILED or case.status == R.XPASS:
                f = ET.SubElement(tc, "failure", message=_clean(case.reason),
                                  type="xpass" if case.status == R.XPASS else case.status)
                f.text = body
            elif case.status == R.SKIP:
                ET.SubElement(tc, "skipped", message=_clean(case.reason or "skipped"))
            elif case.checks:
                # Passed, or passed with known deviations: the known MUST failures, SHOULD warnings and notes
                # stay visible in the test case's output.
                out = ET.SubElement(tc, "system-out")
                out.text = _clean("\n".join(
                    "%s %s %s [%s]: %s%s" % ({"fail": "known-deviation", "warn": "should-warning",
                                             "note": "note"}[k.result], k.id, k.strength, k.ref, k.message,
                                            " (%s)" % k.expectation.where if k.expectation else "")
                    for k in case.checks))
        out = ET.SubElement(suite, "system-out")
        out.text = _clean(r.console)
    return root


def write(all_results, path):
    tree = ET.ElementTree(build(all_results))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
