"""
The ``patchmap`` command: one module per stage of the policing cycle.

``patchmap.cli`` parses the arguments; each stage module (``load``, ``profile``, ``hotspots``,
``forecast``, ``walk``, ``tasks``, ``report``) adds its subcommands' options and runs them by
calling the analysis packages. Run it as ``patchmap`` or ``python -m patchmap``.
"""
