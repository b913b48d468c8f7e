"""The spec self-check: ``pinecone-conformance spec check [VERSION|PATH]``.

Validates an OpenAPI document *itself* and reports :class:`~core.findings.Finding`\\ s, one
module a job: :mod:`~spec.lint.examples` (examples against schemas and prose rules),
:mod:`~spec.lint.errors` (error examples against their statuses and requests),
:mod:`~spec.lint.prose` (rules only the descriptions state), :mod:`~spec.lint.schemas`
(oneOf/discriminator probes, drift), :mod:`~spec.lint.links`, :mod:`~spec.lint.responses`
(undocumented statuses, parameters), :mod:`~spec.lint.source` (line/column, YAML
portability), :mod:`~spec.lint.rules` (the registry: id, severity, why), :mod:`~spec.lint.render`
(table, JSON, SARIF, GitHub) and :mod:`~spec.lint.check` (the whole check and the command).
"""

from pinecone_conformance.spec.lint.check import check_document, main_check
from pinecone_conformance.spec.lint.examples import ExampleSite, example_sites
from pinecone_conformance.spec.lint.links import link_parameter_errors, overlay_problems
from pinecone_conformance.spec.lint.render import format_table, summary, to_sarif
from pinecone_conformance.spec.lint.rules import RULES, Rule, filter_findings

__all__ = [
    "RULES",
    "ExampleSite",
    "Rule",
    "check_document",
    "example_sites",
    "filter_findings",
    "format_table",
    "link_parameter_errors",
    "main_check",
    "overlay_problems",
    "summary",
    "to_sarif",
]
