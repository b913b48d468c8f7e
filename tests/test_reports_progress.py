"""The progress line: drawn on a terminal, silent in pipes and CI logs."""

from __future__ import annotations

import io

from pinecone_conformance.reports.progress import Progress


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_draws_one_updating_line_on_a_terminal():
    stream = FakeTty()
    progress = Progress(stream)
    progress.start(18)
    progress.advance("list_indexes", 0)
    progress.advance("describe_index", 3)
    progress.finish()
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")  # one line, rewritten in place
    assert text.count("\r") == 4  # start, two advances, the final state
    frames = [frame.replace("\x1b[K", "") for frame in text.strip("\n").split("\r") if frame]
    assert "1/18 done · 0 findings" in frames[1] and "list_indexes" in frames[1]
    assert "2/18 done · 3 findings" in frames[2] and "describe_index" in frames[2]
    assert frames[-1].endswith("done")


def test_a_display_never_started_leaves_nothing_when_finished():
    """The runner's own display, while the run's worker processes show theirs."""
    stream = FakeTty()
    Progress(stream).finish()
    assert stream.getvalue() == ""


def test_silent_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(stream) as progress:
        progress.start(18)
        progress.advance("list_indexes", 5)
    assert stream.getvalue() == ""


def test_silent_when_disabled_even_on_a_terminal():
    stream = FakeTty()
    progress = Progress(stream, enabled=False)
    progress.start(3)
    progress.advance("x", 1)
    progress.finish()
    assert stream.getvalue() == ""


def test_stream_without_isatty_or_closed_is_silent():
    class Bare:
        def write(self, text):  # pragma: no cover - must never be called
            raise AssertionError("wrote to a non-terminal")

        def flush(self):  # pragma: no cover
            pass

    Progress(Bare()).start(1)
    closed = io.StringIO()
    closed.close()
    Progress(closed).start(1)


def test_unknown_total_and_singular():
    progress = Progress(io.StringIO())
    progress.start(0)
    progress.advance("op", 1)
    assert "1 done · 1 finding ·" in progress.line("op")
