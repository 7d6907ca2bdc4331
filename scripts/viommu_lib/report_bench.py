"""The benchmark in the HTML report: an SVG bar chart per QEMU (a group per I/O size and queue depth, a bar
per vIOMMU x policy, its height the share of noiommu on the same QEMU and architecture, a dashed line at
100 %), written to report/bench.svg and embedded in report/index.html between two markers, so that a later
`run` (report_html) or `bench` replaces it rather than adding another."""
import html
import json
import os

from . import bench

BEGIN, END = "<!-- viommu-bench -->", "<!-- /viommu-bench -->"
# One hue per IOMMU (and architecture), lighter per policy.
HUES = {("smmuv3", "aarch64"): 210, ("smmuv3-nested", "aarch64"): 180, ("virtio-iommu", "aarch64"): 140,
        ("amd-vi", "x86_64"): 10, ("virtio-iommu", "x86_64"): 280}
LIGHT = {"strict": 35, "strict-pp": 25, "lazy": 50, "static": 68}


def _e(s):
    return html.escape(str(s), quote=True)


def _color(r):
    return "hsl(%d,60%%,%d%%)" % (HUES.get((r.row, r.arch), 30), LIGHT.get(r.policy, 45))


def chart(rows, qemu):
    """One QEMU's chart as an <svg> element (a string)."""
    mine = [r for r in rows if r.qemu == qemu and r.policy != "none"]
    pts = bench.points_of([r for r in rows if r.qemu == qemu])
    bar, gap, left, top, height = 11, 18, 48, 28, 220
    top_share = max([100.0] + [p["share_pct"] for r in mine for p in r.points.values()
                               if p.get("share_pct") is not None])
    scale = height / (top_share * 1.05)
    group_w = max(1, len(mine)) * bar + gap
    width = left + len(pts) * group_w + 10
    legend_y = top + height + 42
    total_h = legend_y + 16 * ((len(mine) + 2) // 3) + 10
    out = ['<svg xmlns="http://www.w3.org/2000/svg" class="bench-chart" id="bench-chart-%s" width="%d" height="%d" '
           'viewBox="0 0 %d %d" role="img" aria-label="qemu %s: share of noiommu per I/O size">'
           % (_e(qemu), width, total_h, width, total_h, _e(qemu)),
           '<text x="%d" y="16" font-size="13" font-weight="bold">qemu %s: IOPS as a share of noiommu</text>'
           % (left, _e(qemu))]
    for pct in range(0, int(top_share * 1.05) + 1, 25):
        y = top + height - pct * scale
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"%s/>'
                   % (left, width - 10, y, y, "#555" if pct == 100 else "#ddd",
                      ' stroke-dasharray="5,3"' if pct == 100 else ""))
        out.append('<text x="%d" y="%.1f" font-size="10" text-anchor="end">%d%%</text>' % (left - 4, y + 3, pct))
    for gi, key in enumerate(pts):
        x0 = left + gi * group_w + gap // 2
        for bi, r in enumerate(mine):
            p = r.points.get(key)
            if not p or p.get("share_pct") is None:
                continue
            h = p["share_pct"] * scale
            out.append('<rect class="bar" x="%d" y="%.1f" width="%d" height="%.1f" fill="%s">'
                       '<title>%s (%s) %s qd%d: %.0f%% of noiommu, %.0f IOPS, %.1f MB/s</title></rect>'
                       % (x0 + bi * bar, top + height - h, bar - 1, h, _color(r), _e(r.name), _e(r.arch),
                          bench.size_name(key[0]), key[1], p["share_pct"], p["iops_median"], p["mbps_median"]))
        out.append('<text class="group" x="%.1f" y="%d" font-size="11" text-anchor="middle">%s qd%d</text>'
                   % (x0 + len(mine) * bar / 2.0, top + height + 16, bench.size_name(key[0]), key[1]))
    for i, r in enumerate(mine):
        x = left + (i % 3) * 230
        y = legend_y + (i // 3) * 16
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text class="legend" x="%d" y="%d" '
                   'font-size="11">%s (%s)%s</text>' % (x, y - 9, _color(r), x + 14, y, _e(r.name), _e(r.arch),
                                                       "" if r.status == "ok" else " " + _e(r.status.upper())))
    out.append("</svg>")
    return "".join(out)


def section(rows, qemus, meta):
    """The report's benchmark section (between the markers)."""
    parts = [BEGIN, '<section id="bench"><h2>vIOMMU overhead (scripts/viommu bench)</h2>',
             "<p>%s; %d repetitions of %d ms per point; endpoint %s; %s. Absolute numbers are TCG's: read the "
             "order of the rows and the cost of each policy.</p>"
             % (_e(meta.get("command", "")), meta.get("reps", 0), meta.get("window_ms", 0),
                _e(meta.get("endpoint", "")), "--quick" if meta.get("quick") else "default set")]
    for q in qemus:
        parts.append("<div>%s</div>" % chart(rows, q))
    parts.append('<table class="bench"><thead><tr><th>qemu</th><th>row</th><th>arch</th><th>size</th><th>qd</th>'
                 '<th>IOPS (median)</th><th>spread</th><th>MB/s</th><th>share of noiommu</th><th>ops/io</th>'
                 '<th>inval round trip</th></tr></thead><tbody>')
    for r in rows:
        if r.status != "ok":
            parts.append('<tr class="fail"><td>%s</td><td>%s</td><td>%s</td><td colspan=8>%s: %s</td></tr>'
                         % (_e(r.qemu), _e(r.name), _e(r.arch), _e(r.status.upper()), _e(r.reason)))
            continue
        inval = ("%d cycles (%.1f us)" % (r.inval["median_cycles"], r.inval["median_ns"] / 1000.0)) if r.inval else "-"
        for key in sorted(r.points):
            p = r.points[key]
            parts.append('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=n>%d</td><td class=n>%.0f</td>'
                         '<td class=n>%.0f%%</td><td class=n>%.1f</td><td class=n>%s</td><td class=n>%.1f</td>'
                         '<td class=n>%s</td></tr>'
                         % (_e(r.qemu), _e(r.name), _e(r.arch), bench.size_name(p["size"]), p["qd"], p["iops_median"],
                            p["spread_pct"] or 0, p["mbps_median"],
                            bench.share_text(p["share_pct"]),
                            p["ops_per_io"] or 0, _e(inval)))
    parts.append("</tbody></table></section>")
    parts.append(END)
    return "\n".join(parts)


def embed(index_path, text):
    """Puts the section into index.html: in place of an older one, else before </body>."""
    with open(index_path) as f:
        page = f.read()
    if BEGIN in page and END in page:
        page = page[:page.index(BEGIN)] + text + page[page.index(END) + len(END):]
    elif "</body>" in page:
        page = page.replace("</body>", text + "\n</body>", 1)
    else:
        page += text
    with open(index_path, "w") as f:
        f.write(page)


def write(rows, qemus, meta, report_dir):
    with open(os.path.join(report_dir, "bench.svg"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write("\n".join(chart(rows, q) for q in qemus[:1]) if len(qemus) == 1 else _stacked(rows, qemus))
    text = section(rows, qemus, meta)
    index = os.path.join(report_dir, "index.html")
    if not os.path.isfile(index):
        with open(index, "w") as f:
            f.write("<!DOCTYPE html><html><head><meta charset=utf-8><title>viommu bench</title></head>"
                    "<body><h1>viommu bench</h1>\n</body></html>\n")
    embed(index, text)


def _stacked(rows, qemus):
    """Several QEMUs' charts in one SVG file, one under the other."""
    y, inner, width = 0, [], 0
    for q in qemus:
        svg = chart(rows, q)
        w = int(svg.split('width="', 1)[1].split('"', 1)[0])
        h = int(svg.split('height="', 1)[1].split('"', 1)[0])
        inner.append('<g transform="translate(0,%d)">%s</g>' % (y, svg))
        y += h
        width = max(width, w)
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">%s</svg>' % (width, y, "".join(inner)))


def section_from_report(report_dir):
    """The section rebuilt from an existing report/bench.json (for report_html), or None."""
    path = os.path.join(report_dir, "bench.json")
    if not os.path.isfile(path):
        return None
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    rows = []
    for d in data.get("rows", []):
        r = bench.Row(d["qemu"], d["config"], d["arch"], d["row"], d["policy"])
        r.status, r.reason, r.inval = d["status"], d.get("reason", ""), d.get("inval")
        r.points = {(p["size"], p["qd"]): p for p in d.get("points", [])}
        rows.append(r)
    return section(rows, data.get("qemus", []), data)
