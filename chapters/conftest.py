"""nbval starts each chapter's kernel from this pytest process, so the kernel inherits its
environment: give it the fixed environment the chapters were built in (seeded kernels too), and
compare cells with their tolerance markers. Both come from d2lrnn.notebooks; an installed d2lrnn
also loads that plugin through its pytest11 entry point, and ``register`` then only adds the
environment."""
from d2lrnn.notebooks import pytest_plugin


def pytest_configure(config):
    pytest_plugin.register(config, fixed_environment=True)
