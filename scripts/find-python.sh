#!/usr/bin/env bash
# Prints the path of a Python 3.13 or 3.12 interpreter, preferring 3.13, or explains and fails.
# A name on PATH is not enough: pyenv shims exist for versions that are not active, so each
# candidate is asked to run.
set -u
candidates=(python3.13 python3.12)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for v in 3.13 3.12; do
    for dir in "$root"/versions/"$v"*; do
      [ -x "$dir/bin/python$v" ] && candidates+=("$dir/bin/python$v")
    done
  done
fi
candidates+=(/usr/bin/python3.13 /usr/bin/python3.12 /usr/local/bin/python3.13 /usr/local/bin/python3.12 python3)
for c in "${candidates[@]}"; do
  if "$c" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
    "$c" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "plexadmin needs Python 3.13 or 3.12 (with the venv module), and none was found." >&2
echo "Install one, e.g. 'apt-get install python3.13 python3.13-venv' or 'pyenv install 3.13'." >&2
exit 1
