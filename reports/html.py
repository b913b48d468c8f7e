"""report.html: one self-contained page a person reads to understand a run.

Self-contained means no network at all: the CSS and script (``templates/report.css``,
``templates/report.js``) are inlined, there is no external URL, and a Content-Security-Policy
forbids loading anything and runs only the one inline script (by its hash). Response bodies
and messages are untrusted text: every value goes through :func:`html.escape`, and the
script reads nothing but the page's own DOM, so a body holding ``<script>`` shows as text.

The page works without its script (everything is shown); the script only filters.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
from collections.abc import Iterable, Sequence
from html import escape
from importlib.resources import files

from pinecone_conformance.core.findings import SEVERITIES, Finding
from pinecone_conformance.core.run_record import RunRecord
from pinecone_conformance.reports.facts import counts_by_severity, coverage, matrix, verdict
from pinecone_conformance.reports.grouping import Group, group

REPORT_HTML = "report.html"
#: How many further requests of a group the page lists below the representative one.
OTHER_OCCURRENCES = 20
_SYMBOL = {"fail": "✗", "warn": "!", "note": "i", "pass": "✓", "not-run": "·"}
_LABEL = {"fail": "error", "warn": "warning", "note": "note only", "pass": "passed", "not-run": "not run"}


def _template(name: str) -> str:
    return files("pinecone_conformance.reports").joinpath("templates", name).read_text(encoding="utf-8")


def e(value: object) -> str:
    """Escape for element content and quoted attribute values alike."""
    return escape("" if value is None else str(value), quote=True)


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
            "img-src data:; form-action 'none'; base-uri 'none'")


def _anchor(g: Group) -> str:
    return f"g-{g.fingerprint}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _tiles(findings: Sequence[Finding], groups: Sequence[Group], record: RunRecord, result: str) -> str:
    by_severity = counts_by_severity(findings)
    cov = coverage(record)
    tiles = [("verdict", result, "verdict"),
             *((severity, n, severity if n == 1 else severity + "s") for severity, n in by_severity.items()),
             ("groups", len(groups), "distinct deviations"),
             ("requests", record.requests_total, f"requests ({record.throttled} throttled)"),
             ("operations", f"{cov.operations_exercised}/{cov.operations_total}", "operations exercised"),
             ("statuses", f"{cov.statuses_observed}/{cov.statuses_total}", "documented statuses observed"),
             ("links", f"{cov.links_followed}/{cov.links_total}", "links followed")]
    out = ['<div class="tiles" id="tiles">']
    for name, value, label in tiles:
        value_html = f'<span class="verdict {e(value)}">{e(value)}</span>' if name == "verdict" else e(value)
        out.append(f'<div class="tile {e(name)}" data-tile="{e(name)}"><span class="value">{value_html}</span>'
                   f'<span class="label">{e(label)}</span></div>')
    out.append("</div>")
    return "\n".join(out)


def _matrix(record: RunRecord, groups: Sequence[Group]) -> str:
    m = matrix(record, groups)
    if not m.columns:
        return '<p class="empty">No check ran.</p>'
    out = ['<p class="legend">' + "".join(f'<span class="cell {r}">{_SYMBOL[r]} {_LABEL[r]}</span>' for r in _SYMBOL)
           + "</p>", '<div class="scroll"><table id="matrix">', "<thead><tr><th>operation</th>"]
    out += [f'<th class="check" scope="col">{e(check)}</th>' for check in m.columns]
    out.append("</tr></thead><tbody>")
    for row in m.rows:
        out.append(f'<tr data-operation="{e(row)}"><th scope="row"><code>{e(row)}</code></th>')
        for column in m.columns:
            result = m.result(row, column)
            found = m.groups.get((row, column), [])
            title = f"{row} × {column}: {_LABEL[result]}" + (f" ({_plural(len(found), 'deviation')})" if found else "")
            content = _SYMBOL[result] + (f" {len(found)}" if found else "")
            if found:
                content = f'<a href="#{e(_anchor(found[0]))}" data-operation="{e(row)}">{e(content)}</a>'
            else:
                content = e(content)
            out.append(f'<td class="cell {result}" data-operation="{e(row)}" data-check="{e(column)}" '
                       f'data-result="{result}" title="{e(title)}">{content}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


def _coverage(record: RunRecord) -> str:
    cov = coverage(record)
    out = ['<table id="status-coverage"><thead><tr><th>operation</th><th>requests</th>'
           "<th>documented statuses (observed count)</th><th>undocumented statuses observed</th></tr></thead><tbody>"]
    for op in cov.operations:
        documented = "".join(f'<span class="chip {"seen" if n else "unseen"}" title="{e(code)}: {n} responses">'
                             f"{e(code)} ×{n}</span>" for code, n in op.documented.items()) or '<span class="empty">none</span>'
        undocumented = "".join(f'<span class="chip undocumented">{e(code)} ×{n}</span>'
                               for code, n in op.undocumented.items())
        seen = sum(1 for n in op.documented.values() if n)
        out.append(f'<tr data-operation="{e(op.operation)}"><th scope="row"><code>{e(op.operation)}</code></th>'
                   f"<td>{op.requests}</td><td>{seen}/{len(op.documented)}: {documented}</td><td>{undocumented}</td></tr>")
    out.append("</tbody></table>")
    out.append(f"<h3>Links followed: {cov.links_followed}/{cov.links_total}</h3>")
    if cov.links:
        out.append('<table id="link-coverage"><thead><tr><th>link</th><th>times followed</th></tr></thead><tbody>')
        out += [f'<tr><td><code>{e(name)}</code></td><td class="cell {"pass" if n else "not-run"}">{n}</td></tr>'
                for name, n in sorted(cov.links.items())]
        out.append("</tbody></table>")
    else:
        out.append('<p class="empty">The contract defines no links.</p>')
    return "\n".join(out)


def rerun_command(record: RunRecord, g: Group) -> str | None:
    """The command that repeats the run for this deviation's operation and check."""
    seed = g.representative.seed if g.representative.seed is not None else record.seed
    if seed is None:
        return None
    parts = ["pinecone-conformance", "run", "--seed", str(seed)]
    if record.target and record.target != "embedded-mock":
        parts += ["--base-url", record.target]
    for deviation in record.options.get("deviations", []) or []:
        parts += ["--deviation", str(deviation)]
    if g.operation:
        parts += ["--operation", g.operation]
    parts += ["--check", g.check]
    return " ".join(shlex.quote(part) for part in parts)


def _authority(g: Group) -> str:
    """``contract (pointer)`` or ``production (R-xxx, confidence)``: what the check enforces."""
    details = g.representative.details or {}
    reference = details.get("authority_reference")
    confidence = details.get("confidence")
    extra = ", ".join(str(part) for part in (reference, confidence) if part)
    return f"{g.authority} ({extra})" if extra else g.authority


def _finding(g: Group, record: RunRecord) -> str:
    f = g.representative
    seed = f.seed if f.seed is not None else record.seed
    facts = [("operation", f"<code>{e(g.row)}</code>"), ("check", f"<code>{e(g.check)}</code>"),
             ("kind", e(g.kind)), ("authority", e(_authority(g))),
             ("status", e(g.status) if g.status is not None else "—"),
             ("schema location", f"<code>{e(g.location)}</code>" if g.location else "—"),
             ("seed", e(seed) if seed is not None else "—"), ("occurrences", e(g.count)),
             ("fingerprint", f"<code>{e(g.fingerprint)}</code>")]
    out = [f'<section class="finding {e(g.severity)}" id="{e(_anchor(g))}" data-severity="{e(g.severity)}" '
           f'data-operation="{e(g.row)}" data-check="{e(g.check)}" data-fingerprint="{e(g.fingerprint)}">',
           f'<h3><span class="badge {e(g.severity)}">{e(g.severity)}</span>{e(g.message)}</h3>',
           '<dl class="facts">' + "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts) + "</dl>"]
    if f.request:
        out += ['<div class="label">request (curl)</div>', f'<pre class="request">{e(f.request)}</pre>']
    if f.response:
        out += ['<div class="label">response</div>', f'<pre class="response">{e(f.response)}</pre>']
    if f.details:
        details = json.dumps(f.details, indent=2, sort_keys=True, default=str, ensure_ascii=False)
        out += ['<div class="label">details</div>', f'<pre class="details">{e(details)}</pre>']
    command = rerun_command(record, g)
    if command:
        out += ['<div class="label">rerun with the same seed</div>', f'<pre class="rerun">{e(command)}</pre>']
    others = [o.request for o in g.occurrences if o is not f and o.request]
    if others:
        shown = others[:OTHER_OCCURRENCES]
        more = f", first {len(shown)} shown" if len(others) > len(shown) else ""
        out.append(f"<details><summary>{_plural(len(others), 'other request')}{more}</summary>"
                   + "".join(f"<pre>{e(request)}</pre>" for request in shown) + "</details>")
    out.append("</section>")
    return "\n".join(out)


def _filters(groups: Sequence[Group]) -> str:
    operations = sorted({g.row for g in groups})
    boxes = "".join(f'<label><input type="checkbox" name="severity" value="{s}" checked> {s}</label> '
                    for s in SEVERITIES)
    options = '<option value="">all operations</option>' + "".join(
        f'<option value="{e(op)}">{e(op)}</option>' for op in operations)
    return (f'<div class="filters" id="filters"><span>severity: {boxes}</span>'
            f'<label>operation: <select id="filter-operation">{options}</select></label>'
            '<label>text: <input type="search" id="filter-text" placeholder="filter"></label>'
            f'<span><span id="shown-count">{len(groups)}</span> of {len(groups)} shown</span></div>')


def _list(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{e(item)}</li>" for item in items) + "</ul>"


def render(findings: Sequence[Finding], record: RunRecord, groups: Sequence[Group] | None = None) -> str:
    findings = list(findings)
    groups = group(findings) if groups is None else list(groups)
    result = verdict(findings, record)
    script = _template("report.js")
    css = _template("report.css")
    title = f"Pinecone conformance {record.spec_version}: {result}"
    meta = [f"contract <code>{e(record.spec_version)}</code>"
            + (f" (sha256 <code>{e(record.spec_sha256[:12])}</code>)" if record.spec_sha256 else ""),
            f"target <code>{e(record.target)}</code>",
            f"seed <code>{e(record.seed)}</code>" if record.seed is not None else "no seed",
            f"run <code>{e(record.run_id)}</code>" if record.run_id else "",
            f"{e(record.started_at)} → {e(record.finished_at)}" if record.started_at else ""]
    versions = ", ".join(f"{e(name)} {e(version)}" for name, version in sorted(record.tool_versions.items()))
    body = [
        "<header>",
        f'<h1>Pinecone conformance <span class="verdict {result}" id="verdict">{result}</span></h1>',
        f'<p class="meta">{" · ".join(part for part in meta if part)}</p>',
        "</header>",
        _tiles(findings, groups, record, result),
    ]
    if record.errors:
        body += ['<h2 id="setup-problems">Setup problems</h2>', _list(record.errors)]
    body += ['<h2 id="matrix-title">Operations × checks</h2>', _matrix(record, groups),
             '<h2 id="coverage-title">Coverage</h2>', _coverage(record),
             f'<h2 id="deviations-title">Deviations ({len(groups)} distinct, {len(findings)} findings)</h2>']
    if groups:
        body.append(_filters(groups))
        body.append('<div id="deviations">' + "\n".join(_finding(g, record) for g in groups) + "</div>")
    else:
        body.append('<p class="empty" id="deviations">No deviation found.</p>')
    body.append(f"<footer>pinecone-conformance report · {versions}</footer>")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(_csp(script))}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{e(title)}</title>",
        f"<style>\n{css}</style>",
        "</head><body>",
        *body,
        f"<script>{script}</script>",
        "</body></html>",
        "",
    ])
