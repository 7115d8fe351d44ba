"""Build and check Jupyter notebooks the way d2lrnn's chapters are built and checked.

    d2lrnn-notebooks build PATH...   # run in place in the fixed environment, normalise metadata
    d2lrnn-notebooks check PATH...   # pytest --nbval with the tolerance markers
    python -m d2lrnn.notebooks check|build PATH...

- ``environment``: the fixed environment (hash seed, one BLAS thread, matplotlibrc, data cache, seeds);
- ``tolerance``: the cell-metadata markers ``{"d2lrnn": {"rtol": ..., "atol": ...}}``;
- ``pytest_plugin``: nbval with those markers (``--d2lrnn-strict``, ``--d2lrnn-margin``, ``--d2lrnn-env``);
- ``build``: regenerate notebooks in place; ``cli``: the command line.

Nothing here is imported by ``import d2lrnn``: it needs the notebook tools (nbval, nbclient).
"""
