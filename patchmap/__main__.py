"""``python -m patchmap``: the same as the ``patchmap`` command."""

import sys

from patchmap.cli import main

sys.exit(main())
