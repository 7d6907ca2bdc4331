"""The vIOMMU overhead benchmark (issue 15): which configurations run which bench cases, the guest's
`# bench ...` lines turned into figures (median and spread over the repetitions, the share of noiommu on the
same QEMU and architecture), the terminal tables and report/bench.json. The guest side is tests/kit/bench.h."""
import re
import statistics

# (configuration, its rows: (row name as in the seeds' tables, policies in the order the table shows them)).
# The bench cases are bench.<row>.<policy>; a configuration's filter is bench.<row>.* for each of its rows.
PLAN = [
    ("noiommu-aarch64", [("noiommu", ["none"])]),
    ("smmuv3", [("smmuv3", ["strict", "strict-pp", "lazy", "static"]), ("smmuv3-nested", ["strict", "static"])]),
    ("virtio-iommu-aarch64", [("virtio-iommu", ["strict", "static"])]),
    ("noiommu-x86_64", [("noiommu", ["none"])]),
    ("amd-vi", [("amd-vi", ["strict", "strict-pp", "lazy", "static"])]),
    ("virtio-iommu-x86_64", [("virtio-iommu", ["strict", "static"])]),
]
PLAN_BY_CONFIG = dict(PLAN)
# Rows a QEMU may lack (skipped with the guest's reason, not a failure): nesting needs stage 2 (QEMU 10.0+).
OPTIONAL = {"smmuv3-nested"}
BASELINE = {"aarch64": "noiommu-aarch64", "x86_64": "noiommu-x86_64"}

# Measuring window of one repetition (guest bench-ms=). The default set boots every configuration ROUNDS
# times, round after round, BOOT_REPS repetitions per boot (6 in all): a busy host's slow spell then spreads
# over every row instead of landing on one configuration's boot (2 shared cores swing a 25 ms window by 2x and
# more). --quick boots each once with QUICK_REPS short repetitions: the table's shape, not its numbers.
DEFAULT_MS, QUICK_MS = 25, 4
ROUNDS, BOOT_REPS, QUICK_REPS = 3, 2, 5

LINE = re.compile(r"^# bench row=(\S+) policy=(\S+) size=(\d+) qd=(\d+) rep=(\d+) ios=(\d+) cycles=(\d+) hz=(\d+) "
                  r"ops=(\d+) median=(\d+)\s*$")
INVAL = re.compile(r"^# bench-inval row=(\S+) policy=(\S+) n=(\d+) median=(\d+) min=(\d+) max=(\d+) hz=(\d+)\s*$")
RESULT = re.compile(r"^(ok|not ok) \d+ (bench\.\S+)(?: # (.*))?$")


def guest_words(config_name, quick):
    rows = ",".join("bench.%s.*" % row for row, _ in PLAN_BY_CONFIG[config_name])
    return ["filter=" + rows, "tags=bench", "bench-ms=%d" % (QUICK_MS if quick else DEFAULT_MS),
            "bench-reps=%d" % (QUICK_REPS if quick else BOOT_REPS)]


class Row:
    """One line of the table: a configuration's policy on one QEMU."""

    def __init__(self, qemu, config, arch, row, policy):
        self.qemu, self.config, self.arch, self.row, self.policy = qemu, config, arch, row, policy
        self.status = "missing"  # ok, error, skipped, missing, unavailable
        self.reason = ""
        self.points = {}  # (size, qd) -> dict
        self.inval = None

    @property
    def name(self):
        return self.row if self.policy == "none" else "%s %s" % (self.row, self.policy)

    def to_json(self):
        return {"qemu": self.qemu, "config": self.config, "arch": self.arch, "row": self.row, "policy": self.policy,
                "name": self.name, "status": self.status, "reason": self.reason, "inval": self.inval,
                "points": [self.points[k] for k in sorted(self.points)]}


def parse(consoles, qemu, config, arch):
    """The rows the boots of `config` (one console each) produced. A case that did not pass in every boot
    gives no number (its status and reason instead); a case that never reported is 'missing'."""
    out = []
    for row, policies in PLAN_BY_CONFIG[config]:
        out += _parse_row(consoles, qemu, config, arch, row, policies)
    return out


def _parse_row(consoles, qemu, config, arch, row, policies):
    rows = {p: Row(qemu, config, arch, row, p) for p in policies}
    samples, invals = {}, {}
    seen = {p: [] for p in policies}
    for console in consoles:
        _parse_one(console, row, rows, samples, invals, seen)
    for p, statuses in seen.items():
        r = rows[p]
        bad = [s for s in statuses if s[0] != "ok"]
        if len(statuses) < len(consoles):
            r.status, r.reason = "missing", "reported in %d of %d boots" % (len(statuses), len(consoles))
        elif bad:
            r.status, r.reason = bad[0]
        else:
            r.status = "ok"
    for p, vals in invals.items():
        rows[p].inval = {"n": sum(v["n"] for v in vals), "boots": len(vals),
                         "median_cycles": statistics.median(v["median_cycles"] for v in vals),
                         "min_cycles": min(v["min_cycles"] for v in vals),
                         "max_cycles": max(v["max_cycles"] for v in vals), "hz": vals[0]["hz"]}
        rows[p].inval["median_ns"] = rows[p].inval["median_cycles"] * 1e9 / vals[0]["hz"] if vals[0]["hz"] else None
    _summarise(rows, samples)
    return [rows[p] for p in policies]


def _parse_one(console, row, rows, samples, invals, seen):
    for line in console.splitlines():
        line = line.rstrip("\r")
        m = LINE.match(line)
        if m and m.group(1) == row and m.group(2) in rows:
            size, qd, ios, cycles, hz, ops, med = (int(m.group(i)) for i in (3, 4, 6, 7, 8, 9, 10))
            samples.setdefault((m.group(2), size, qd), []).append((ios, cycles, hz, ops, med))
            continue
        m = INVAL.match(line)
        if m and m.group(1) == row and m.group(2) in rows:
            med, lo, hi, hz = (int(m.group(i)) for i in (4, 5, 6, 7))
            invals.setdefault(m.group(2), []).append({"n": int(m.group(3)), "median_cycles": med, "min_cycles": lo,
                                                      "max_cycles": hi, "hz": hz})
            continue
        m = RESULT.match(line)
        if m:
            parts = m.group(2).split(".", 2)
            policy = parts[2] if len(parts) == 3 and parts[1] == row else ""
            if policy in rows:
                reason = m.group(3) or ""
                if m.group(1) == "ok" and reason.startswith("SKIP"):
                    seen[policy].append(("skipped", reason[4:].strip()))
                elif m.group(1) == "ok":
                    seen[policy].append(("ok", ""))
                else:
                    seen[policy].append(("error", reason))


def _summarise(rows, samples):
    """Per (size, qd): IOPS from each repetition's median time of qd completions (qd * hz / median), their median
    over the repetitions and min-max spread; the windows' plain throughput (I/Os / time) beside it."""
    for (policy, size, qd), reps in samples.items():
        r = rows[policy]
        if r.status != "ok":
            continue
        iops = [qd * hz / m for _, _, hz, _, m in reps if m and hz]
        window = [ios * hz / cycles for ios, cycles, hz, _, _ in reps if cycles and hz]
        if not iops:
            continue
        ios_total = sum(x[0] for x in reps)
        med = statistics.median(iops)
        r.points[(size, qd)] = {
            "size": size, "qd": qd, "reps": len(iops), "ios": ios_total,
            "iops_median": med, "iops_min": min(iops), "iops_max": max(iops),
            "spread_pct": 100.0 * (max(iops) - min(iops)) / med if med else None,
            "mbps_median": med * size / 1e6,
            "window_iops_median": statistics.median(window) if window else None,
            "ops_per_io": sum(x[3] for x in reps) / ios_total if ios_total else None,
            "share_pct": None,
        }
    for r in rows.values():
        if r.status == "ok" and not r.points:
            r.status, r.reason = "error", "the case passed but printed no figure"


def add_shares(rows):
    """Each row's median IOPS as a share of the noiommu row of the same QEMU and architecture."""
    base = {(r.qemu, r.arch): r for r in rows if r.policy == "none" and r.status == "ok"}
    for r in rows:
        b = base.get((r.qemu, r.arch))
        for key, p in r.points.items():
            bp = b.points.get(key) if b else None
            p["share_pct"] = 100.0 * p["iops_median"] / bp["iops_median"] if bp and bp["iops_median"] else None


def points_of(rows):
    return sorted({k for r in rows for k in r.points}) or [(s, q) for s in (4096, 65536, 1048576) for q in (1, 8)]


def size_name(n):
    return "%dM" % (n >> 20) if n >= 1 << 20 and n % (1 << 20) == 0 else "%dK" % (n >> 10)


def _si(v):
    if v is None:
        return "-"
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if v >= div:
            return "%.1f%s" % (v / div, suffix)
    return "%.0f" % v


def share_text(v):
    """A share with the digits a small one needs (a positive share never prints as 0%)."""
    if v is None:
        return "n/a"
    return "%.0f%%" % v if v >= 9.5 else "%.1f%%" % v if v >= 0.95 else "%.2g%%" % v


def cell(p):
    """IOPS median, +- half the min-max spread, share of noiommu: '3.7k+-20% 96%' (ASCII: any terminal)."""
    if not p:
        return "-"
    spread = "+-%.0f%%" % (p["spread_pct"] / 2) if p["spread_pct"] is not None else ""
    return "%s%s %s" % (_si(p["iops_median"]), spread, share_text(p["share_pct"]))


def table(rows, qemu):
    """The terminal table of one QEMU: IOPS (median +- half the min-max spread) and share of noiommu per
    (size, queue depth), the invalidation round trip, the IOMMU operations per I/O."""
    mine = [r for r in rows if r.qemu == qemu]
    pts = points_of(mine)
    head = ["row", "arch"] + ["%s qd%d" % (size_name(s), q) for s, q in pts] + ["inval rt", "ops/io"]
    body = []
    for r in mine:
        if r.status != "ok":
            body.append([r.name, r.arch] + ["%s: %s" % (r.status.upper(), r.reason or "no result")])
            continue
        inval = "-"
        if r.inval:
            inval = "%dcyc %.1fus" % (r.inval["median_cycles"], r.inval["median_ns"] / 1000.0)
        ops = "/".join("%.0f" % r.points[(s, 1)]["ops_per_io"] if (s, 1) in r.points else "-"
                       for s in sorted({s for s, _ in pts}))
        body.append([r.name, r.arch] + [cell(r.points.get(k)) for k in pts] + [inval, ops])
    # A short line (an error) counts for the width of its first two columns only.
    widths = [max(len(x[i]) for x in [head] + body if i < 2 or len(x) == len(head)) for i in range(len(head))]
    out = []
    for line in [head] + body:
        if len(line) < len(head):  # an error row: its message spans the rest
            out.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(line[:2])) + "  " + line[2])
        else:
            out.append("  ".join(c.rjust(widths[i]) if i >= 2 else c.ljust(widths[i]) for i, c in enumerate(line)))
    return "\n".join(out)


def side_by_side(rows, qemus, key=(4096, 8)):
    """Share of noiommu at one (size, qd) per QEMU, rows aligned: a version that made a vIOMMU slower shows."""
    names = []
    for r in rows:
        if (r.name, r.arch) not in names:
            names.append((r.name, r.arch))
    by = {(r.name, r.arch, r.qemu): r for r in rows}
    head = ["row (%s qd%d, share of noiommu)" % (size_name(key[0]), key[1]), "arch"] + ["qemu %s" % q for q in qemus]
    body = []
    for name, arch in names:
        line = [name, arch]
        for q in qemus:
            r = by.get((name, arch, q))
            p = r.points.get(key) if r and r.status == "ok" else None
            line.append(share_text(p["share_pct"]) if p else (r.status if r else "-"))
        body.append(line)
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    return "\n".join("  ".join(c.rjust(widths[i]) if i >= 2 else c.ljust(widths[i]) for i, c in enumerate(line))
                     for line in [head] + body)
