"""``python -m patchmap``: the same as the ``patchmap`` command."""

from patchmap.cli import run

run()
