"""``conformance.shard``: parsing ``--shard K/N`` and the deterministic, balanced split."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pinecone_conformance.conformance.shard import (
    assign,
    estimated_cost,
    parse_shard,
    plan,
    select,
    shard_run_id,
    work_items,
)
from pinecone_conformance.core.errors import UsageError

OPERATIONS = ["list_indexes", "create_index", "describe_index", "delete_index", "configure_index",
              "create_collection", "list_collections", "describe_collection", "delete_collection",
              "list_project_backups", "list_index_backups", "create_backup", "describe_backup", "delete_backup",
              "list_restore_jobs", "describe_restore_job", "create_index_from_backup_operation",
              "create_index_for_model"]
WORK = [("operation", op) for op in OPERATIONS] + [("stateful",), ("scenario", "echo"), ("scenario", "pagination")]


@pytest.mark.parametrize(("text", "expected"), [("1/1", (1, 1)), ("2/3", (2, 3)), (" 4 / 4 ", (4, 4)), ("10/12", (10, 12))])
def test_parse_shard_accepts_k_of_n(text, expected):
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["", "1", "0/2", "3/2", "1/0", "a/b", "-1/2", "1/2/3", "1.5/2", "1 of 2"])
def test_parse_shard_refuses_bad_input_in_one_line(text):
    with pytest.raises(UsageError) as error:
        parse_shard(text)
    assert "\n" not in str(error.value) and "--shard" in str(error.value)


def test_two_shards_of_the_real_work_list_cover_every_operation_once():
    first, second = select(WORK, {}, 1, 2), select(WORK, {}, 2, 2)
    assert set(first).isdisjoint(second)
    assert sorted(first + second) == sorted(WORK)
    assert {op for kind, *rest in first + second if kind == "operation" for op in rest} == set(OPERATIONS)
    # parts keep the order of the work list
    assert first == [item for item in WORK if item in first]


def test_expensive_items_are_spread_and_costs_override_the_estimate():
    items = ["a", "b", "c", "d"]
    parts = assign(items, {"a": 10, "b": 10, "c": 1, "d": 1}, 2)
    assert sorted(map(sorted, parts)) == [["a", "c"], ["b", "d"]]
    assert estimated_cost(("stateful",)) > estimated_cost(("operation", "x"))
    assert assign([("stateful",), ("operation", "x")], {("stateful",): 0.5}, 2) == [[("operation", "x")], [("stateful",)]]


def test_more_shards_than_items_leaves_some_empty_but_loses_nothing():
    parts = assign(["x", "y"], {}, 5)
    assert sum(parts, []) == ["x", "y"] and sum(1 for part in parts if not part) == 3


def test_bad_arguments_to_select_and_negative_costs_raise():
    with pytest.raises(ValueError):
        select(["a"], {}, 3, 2)
    with pytest.raises(ValueError):
        assign(["a"], {"a": -1}, 2)


def test_shard_run_ids_differ_per_shard_and_unsharded_keeps_its_id():
    assert shard_run_id("ab12cd", 1, 1) == "ab12cd"
    ids = {shard_run_id("ab12cd", k, 4) for k in range(1, 5)}
    assert len(ids) == 4 and all(i.startswith("ab12cd") and i.isalnum() and i.islower() for i in ids)


ITEMS = st.lists(st.tuples(st.sampled_from(["operation", "scenario", "stateful"]), st.text("abc", max_size=3)),
                 max_size=40, unique=True)


@settings(max_examples=200, deadline=None)
@given(items=ITEMS, data=st.data(), n=st.integers(1, 8))
def test_split_is_disjoint_complete_deterministic_and_balanced(items, data, n):
    costs = {item: data.draw(st.floats(0, 50, allow_nan=False)) for item in items
             if data.draw(st.booleans())}
    parts = [select(items, costs, k, n) for k in range(1, n + 1)]
    flat = [item for part in parts for item in part]
    assert len(flat) == len(set(flat))  # disjoint
    assert set(flat) == set(items)  # union is everything
    assert parts == [select(list(items), dict(costs), k, n) for k in range(1, n + 1)]  # deterministic
    for part in parts:  # each part keeps the given order
        assert part == [item for item in items if item in part]

    def cost(item):
        return costs.get(item, estimated_cost(item))

    loads = [sum(cost(item) for item in part) for part in parts]
    biggest = max((cost(item) for item in items), default=0)
    assert max(loads) - min(loads) <= biggest + 1e-9  # the greedy bound
    assert max(loads) <= sum(loads) / n + biggest + 1e-9


@given(items=st.lists(st.integers(), max_size=30))
def test_duplicates_are_one_piece_of_work(items):
    parts = assign(items, {}, 3)
    assert sorted(sum(parts, [])) == sorted(set(items))


def test_plans_of_all_shards_together_are_the_whole_suite():
    scenarios = ["echo", "defaults", "pagination", "protect"]
    plans = [plan(k, 3, OPERATIONS, scenarios) for k in range(1, 4)]
    assert sorted(op for p in plans for op in p["operations"]) == sorted(OPERATIONS)
    assert sorted(s for p in plans for s in p["scenarios"]) == sorted(scenarios)
    assert [p["stateful"] for p in plans].count(True) == 1
    assert plan(1, 1, OPERATIONS, scenarios) == {"operations": OPERATIONS, "stateful": True, "scenarios": scenarios}
    assert work_items(["a"], ["s"], stateful=False) == [("operation", "a"), ("scenario", "s")]
