# Sourced by scripts/run and scripts/test: make .venv (if needed) and install the package into
# it, with the extras given ("" or "[test]").
#
# uv installs what pip would (the same versions) in a fraction of the time: measured on a new
# venv with the test extras (uv's download cache filled), 4 s; 21 s with --compile-bytecode;
# 59 s with pip. pip does it when uv cannot be had. No --compile-bytecode: the scripts let
# Python write the bytecode of what it imports (use_bytecode_cache, below), so the first run
# compiles what it needs and every later interpreter reads it.
#
# The install is editable, so a change to the code needs none; a stamp in .venv remembers what
# was installed (pyproject.toml and the extras), and the same again (or less: no extras after
# the test extras) is not redone (~6 s).
install_into_venv() {
  local extras="$1" stamp=".venv/.pcc-installed" wanted installed=""
  [ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
  wanted="$(cat pyproject.toml; echo "extras=${extras}")"
  [ -f "$stamp" ] && installed="$(cat "$stamp")"
  if [ "$installed" = "$wanted" ] || { [ -z "$extras" ] && [ "$installed" = "$(cat pyproject.toml; echo "extras=[test]")" ]; }; then
    return 0
  fi
  rm -f "$stamp"
  if [ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q uv >/dev/null 2>&1; then
    .venv/bin/uv pip install -q --python .venv/bin/python -e ".${extras}"
  else
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".${extras}"
  fi
  printf '%s' "$wanted" > "$stamp"
}

# Bytecode written as Python does by default: for the libraries in .venv and for this
# checkout's own modules (__pycache__/, ignored by git). Where PYTHONDONTWRITEBYTECODE is set,
# every new interpreter compiles again what it imports (importing the suite: 3.1 s instead of
# 0.9 s) and pytest rewrites every test module again: collecting the tests took 6.5 s of CPU
# instead of 3.6 s, paid by each pytest-xdist worker and each pytest the tests start.
# (PYTHONPYCACHEPREFIX would keep it out of the checkout, but moves the libraries' bytecode too.)
use_bytecode_cache() {
  unset PYTHONDONTWRITEBYTECODE
}
