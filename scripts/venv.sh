# Sourced by scripts/run and scripts/test: make .venv (if needed) and install the package into
# it, with the extras given ("" or "[test]").
#
# uv installs what pip would (the same versions) in a fraction of the time: measured on a new
# venv with the test extras, 19 s instead of 59 s. pip does it when uv cannot be had.
# --compile-bytecode, as pip does: without it, where PYTHONDONTWRITEBYTECODE is set, every new
# interpreter compiles the libraries again (importing the suite: 3.1 s instead of 0.9 s).
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
    .venv/bin/uv pip install -q --compile-bytecode --python .venv/bin/python -e ".${extras}"
  else
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".${extras}"
  fi
  printf '%s' "$wanted" > "$stamp"
}

# Bytecode for what the tools import from this checkout (the package is installed editable, so
# the install compiled none of it), written beside the sources as Python does by default
# (__pycache__/, ignored by git). Where PYTHONDONTWRITEBYTECODE is set, every new interpreter
# compiles the suite again and pytest rewrites every test module again: collecting the tests
# took 6.5 s of CPU instead of 3.6 s, paid by each pytest-xdist worker and each pytest the
# tests start. (PYTHONPYCACHEPREFIX would keep it out of the checkout, but Python then looks
# for the libraries' bytecode there too, and compiles them all again on the first start.)
use_bytecode_cache() {
  unset PYTHONDONTWRITEBYTECODE
}
