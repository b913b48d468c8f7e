"""The leaf package: what every other package of the project shares, importing none of them.

- :mod:`core.findings`: the one Finding type and the crash-safe store runs write it to;
- :mod:`core.errors`: the errors bad input turns into (one line each) and the exit codes;
- :mod:`core.redaction`: curl lines without secrets, and secret scrubbing for any text;
- :mod:`core.run_record`: what a run records besides its findings (``run.json``), and the
  locked counters each process of a run keeps and the runner merges;
- :mod:`core.checks`: checks as declared objects (id, kind, severity, authority), the registry
  type and the profiles;
- :mod:`core.verdict`: the one rule behind the exit code and the reports' PASS/FAIL/INCOMPLETE;
- :mod:`core.domain`: the domain facts (names, regions, models, error codes, limits, states)
  the suite and the mock both read;
- :mod:`core.values`, :mod:`core.text`: small value and text helpers;
- :mod:`core.network`: whether an address is this machine;
- :mod:`core.asgi`: the ASGI lifespan loop the gate and the mock share;
- :mod:`core.version`: the contract version and the versions of the tools in use.

``spec``, ``strategies``, ``conformance``, ``reports`` and ``mockserver`` may import from here;
nothing here imports from them (a test enforces it).
"""
