"""Test cases as ``.fmscript`` files: ``fmscript test`` and the pytest plugin share this package.

``cases`` reads a case's ``#`` header, ``runner`` runs one case through the real ``fmscript run``
path (``fmscript.cli.main``) and judges it, ``pool`` runs many in worker processes, ``report``
prints text, JSON and JUnit XML, ``plugin`` is the pytest front end.
"""
