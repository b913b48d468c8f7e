"""One home for each domain fact: the suite and the mock read the same catalogue, and the lists
the suite deliberately narrows are subsets of it."""

from __future__ import annotations

from pinecone_conformance.core import domain
from pinecone_conformance.mockserver import errors, rules
from pinecone_conformance.spec.loader import load


def test_the_suite_creates_only_where_the_catalogue_says_it_can():
    for cloud, regions in domain.SAFE_SERVERLESS_REGIONS.items():
        assert set(regions) <= set(domain.SERVERLESS_REGIONS[cloud]), cloud
    assert set(domain.SAFE_POD_ENVIRONMENTS) <= set(domain.POD_ENVIRONMENTS)
    assert (domain.DEFAULT_REGION in domain.SAFE_SERVERLESS_REGIONS[domain.DEFAULT_CLOUD])


def test_the_mock_reads_the_same_facts():
    assert rules.SERVERLESS_REGIONS is domain.SERVERLESS_REGIONS
    assert rules.EMBED_MODELS is domain.EMBED_MODELS
    assert set(rules.POD_ENVIRONMENTS) == set(domain.POD_ENVIRONMENTS)
    # the mock answers every status the production rule fixes with that rule's code, and adds its own
    assert {status: errors.CODE_FOR_STATUS[status] for status in domain.ERROR_CODE_FOR_STATUS} \
        == domain.ERROR_CODE_FOR_STATUS


def test_the_name_rule_has_one_meaning():
    for good in ("a", "a" * 45, "pcc-x1-idx2", "0-0"):
        assert domain.is_valid_name(good), good
    for bad in ("", "a" * 46, "-a", "a-", "A", "a_b", "abc\n", "a b"):
        assert not domain.is_valid_name(bad), repr(bad)


def test_the_facts_match_the_documents_value_lists():
    schemas = load().raw["components"]["schemas"]
    states = schemas["IndexModel"]["properties"]["status"]["properties"]["state"]["x-enum"]
    assert tuple(states) == domain.INDEX_STATES
    assert set(domain.READY_STATES) | set(domain.NOT_READY_STATES) == set(domain.INDEX_STATES)
    assert not set(domain.READY_STATES) & set(domain.NOT_READY_STATES)
