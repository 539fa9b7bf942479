"""Root conftest: the platform's pytest fixtures for every test folder of the repository."""

pytest_plugins = ["smartdist.testing.plugin", "smartdist.testing.browser"]
