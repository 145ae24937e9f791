"""The core: everything worth testing, with no Streamlit import (``tests/integration/test_architecture.py``).

Base modules, imported by every subpackage:

- ``settings``: every ``DASHBOARD_*`` variable, the data folder and the sample folder
- ``reference``: the one accessor of the ``data/`` tables
- ``problems``: ``Problem`` (``FILE:LINE: column COL: ...``) and ``UnusableFileError``
- ``model``: the canonical frames, their columns and dtypes, ``Dataset``
- ``vocabulary``: free-text event names -> canonical names and categories
- ``roles``: who may do what (the roles table), the acting user, roles from a claim or the staff table

Subpackages, each importing only the ones before it (the layer table is a test):
``loading``, ``analysis``, ``charts``, ``export``, ``simulate``, ``store``, ``interop``, ``live``.
"""
