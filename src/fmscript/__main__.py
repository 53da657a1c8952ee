"""``python -m fmscript`` = the ``fmscript`` command."""

from fmscript.cli import main

main()
