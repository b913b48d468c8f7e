"""``conformance.config``: run options from pinecone-conformance.toml / pyproject.toml, and env vars."""

from __future__ import annotations

import argparse

import pytest

from pinecone_conformance.conformance.cli import build_parser
from pinecone_conformance.conformance.config import (
    CONFIG_FILE,
    HELP_EPILOG,
    apply_config,
    base_url_from_env,
    expand,
    find_config,
    load_config,
)
from pinecone_conformance.core.errors import UsageError


def parse(tmp_path, argv, environ=None):
    parser = build_parser()
    apply_config(parser, argv, cwd=tmp_path, environ=environ or {})
    return parser.parse_args(argv)


def write(tmp_path, text, name=CONFIG_FILE):
    (tmp_path / name).write_text(text, encoding="utf-8")


def test_file_options_become_run_defaults_and_flags_override_them(tmp_path):
    write(tmp_path, 'base-url = "http://127.0.0.1:9"\nseed = 7\nmax_examples = 3\nno-progress = true\n'
                    'operation = ["create_index", "describe_index"]\nwait = 5\n')
    args = parse(tmp_path, ["run"])
    assert (args.base_url, args.seed, args.max_examples, args.no_progress, args.wait) == \
        ("http://127.0.0.1:9", 7, 3, True, 5.0)
    assert list(args.operation) == ["create_index", "describe_index"]
    args = parse(tmp_path, ["run", "--seed", "8", "--operation", "list_indexes", "--operation", "delete_index"])
    assert args.seed == 8 and args.base_url == "http://127.0.0.1:9"
    assert list(args.operation) == ["list_indexes", "delete_index"]  # the flag replaces the file's list


def test_without_a_file_the_defaults_are_untouched(tmp_path):
    assert vars(parse(tmp_path, ["run"])) == vars(build_parser().parse_args(["run"]))


def test_pyproject_table_is_read_and_the_own_file_wins(tmp_path):
    write(tmp_path, '[project]\nname = "x"\n[tool.pinecone-conformance]\nseed = 11\noutput = "out"\n', "pyproject.toml")
    args = parse(tmp_path, ["run"])
    assert (args.seed, args.output) == (11, "out")
    write(tmp_path, "seed = 12\n")
    assert parse(tmp_path, ["run"]).seed == 12
    assert find_config(tmp_path)[0].name == CONFIG_FILE


def test_a_pyproject_without_the_table_is_no_config(tmp_path):
    write(tmp_path, '[project]\nname = "x"\n', "pyproject.toml")
    assert find_config(tmp_path) is None and load_config(tmp_path, {}) == {}


def test_environment_variables_are_expanded(tmp_path):
    write(tmp_path, 'api-key = "${MY_KEY}"\nbase_url = "http://${HOST:-127.0.0.1}:8080"\nrun-id = "a$${b}"\n')
    args = parse(tmp_path, ["run"], {"MY_KEY": "sekret"})
    assert (args.api_key, args.base_url, args.run_id) == ("sekret", "http://127.0.0.1:8080", "a${b}")
    assert parse(tmp_path, ["run"], {"MY_KEY": "k", "HOST": "h"}).base_url == "http://h:8080"


def test_a_missing_variable_is_one_line_naming_it(tmp_path):
    write(tmp_path, 'api-key = "${NOT_SET_ANYWHERE}"\n')
    with pytest.raises(UsageError) as error:
        parse(tmp_path, ["run"])
    assert "NOT_SET_ANYWHERE" in str(error.value) and "api-key" in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(("text", "named"), [
    ("bogus-option = 1\n", "bogus-option"),
    ("seed = \"many\"\n", "seed"),
    ("seed = true\n", "seed"),
    ("max-examples = 1.5\n", "max-examples"),
    ("no-progress = \"yes\"\n", "no-progress"),
    ("base-url = [\"a\", \"b\"]\n", "base-url"),
    ("seed = 1\nseed = 2\n", CONFIG_FILE),  # invalid TOML
    ("base-url = \"a\"\nbase_url = \"b\"\n", "base_url"),
])
def test_bad_keys_and_values_are_one_line_usage_errors(tmp_path, text, named):
    write(tmp_path, text)
    with pytest.raises(UsageError) as error:
        parse(tmp_path, ["run"])
    assert named in str(error.value) and "\n" not in str(error.value)


def test_other_commands_ignore_the_config_even_when_it_is_broken(tmp_path):
    write(tmp_path, "bogus = 1\n")
    parser = build_parser()
    apply_config(parser, ["spec", "check"], cwd=tmp_path, environ={})
    assert parser.parse_args(["spec", "check"]).command == "spec"


def test_help_of_run_mentions_the_config_file(tmp_path, capsys):
    parser = build_parser()
    apply_config(parser, ["run", "--help"], cwd=tmp_path, environ={})
    with pytest.raises(SystemExit):
        parser.parse_args(["run", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert CONFIG_FILE in out and "PINECONE_CONTROLLER_HOST" in out and "flags override" in out
    assert "flags override" in HELP_EPILOG


def test_types_choices_and_boolean_flavours_on_a_plain_parser(tmp_path):
    parser = argparse.ArgumentParser()
    parser.add_argument("--level", choices=["error", "warning"], default="error")
    parser.add_argument("--color", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--keep", action="store_false", dest="clean")
    parser.add_argument("--verbose", "-v", action="count", default=0)
    parser.add_argument("--ratio", type=float, default=None)
    parser.add_argument("--tag", action="append", default=[])
    write(tmp_path, 'level = "warning"\nno-color = true\nkeep = true\nverbose = 2\nratio = 1\ntag = "one"\n')
    apply_config(parser, [], cwd=tmp_path, environ={})
    args = parser.parse_args([])
    assert (args.level, args.color, args.clean, args.verbose, args.ratio, list(args.tag)) == \
        ("warning", False, False, 2, 1.0, ["one"])
    assert list(parser.parse_args(["--tag", "two"]).tag) == ["two"]
    write(tmp_path, 'level = "fatal"\n')
    with pytest.raises(UsageError, match="level"):
        apply_config(parser, [], cwd=tmp_path, environ={})


def test_expand_leaves_plain_dollars_alone():
    assert expand("pa$$word $HOME ${X}", {"X": "1"}, "k") == "pa$$word $HOME 1"


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, None),
    ({"PINECONE_CONTROLLER_HOST": "https://api.pinecone.io"}, "https://api.pinecone.io"),
    ({"PINECONE_CONTROLLER_HOST": "api.pinecone.io"}, "https://api.pinecone.io"),
    ({"PCC_BASE_URL": "http://127.0.0.1:8080", "PINECONE_CONTROLLER_HOST": "api.pinecone.io"},
     "http://127.0.0.1:8080"),
    ({"PCC_BASE_URL": " ", "PINECONE_CONTROLLER_HOST": "h.example"}, "https://h.example"),
])
def test_base_url_from_env(environ, expected):
    assert base_url_from_env(environ) == expected
