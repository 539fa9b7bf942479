"""pytest fixtures for smartdist: databases on SQLite AND PostgreSQL, Redis, tenants and tokens.

Loaded by the repository's root ``conftest.py``. A test that needs PostgreSQL or Redis fails in CI
(``CI`` set) when the server is unreachable; on a developer machine it is skipped with the reason.
"""
