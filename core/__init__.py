"""The leaf package: what every other package of the project shares, importing none of them.

- :mod:`core.findings`: the one Finding type and the crash-safe store runs write it to;
- :mod:`core.errors`: the errors bad input turns into (one line each) and the exit codes;
- :mod:`core.redaction`: curl lines without secrets, and secret scrubbing for any text;
- :mod:`core.run_record`: what a run records besides its findings (``run.json``);
- :mod:`core.version`: the contract version and the versions of the tools in use;
- :mod:`core.text`: small text helpers (one-line messages).

``spec``, ``strategies``, ``conformance``, ``reports`` and ``mockserver`` may import from here;
nothing here imports from them (a test enforces it).
"""
