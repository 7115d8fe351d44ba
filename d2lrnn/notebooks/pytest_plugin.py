"""pytest plugin for nbval: tolerance markers, the fixed environment, one clear data error.

Loaded automatically when d2lrnn is installed (entry point ``pytest11``), or with
``-p d2lrnn.notebooks.pytest_plugin``, or by a conftest.py through ``register(config)``.
It changes nothing for cells without a tolerance marker: they are compared by nbval itself.

- A cell with a tolerance marker (see ``d2lrnn.notebooks.tolerance``) has its outputs sanitized
  as nbval does, its floats within tolerance written as stored, and is then compared by nbval's
  own ``compare_outputs``; a failure lists each float beyond tolerance with both values and the
  tolerance.
- ``--d2lrnn-strict`` ignores the markers; ``--d2lrnn-margin M`` divides every tolerance by M
  (proof that outputs hold with room to spare); ``--d2lrnn-env`` starts kernels in the fixed
  environment of ``d2lrnn.notebooks.environment``, seeded before the first cell.
- When a cell fails because a data set cannot be had (``DownloadError``/``ChecksumError``), the
  notebook's later cells are skipped with that reason instead of failing with ``NameError``.
"""
from __future__ import annotations

import functools
import sys
from collections import defaultdict

import pytest

from . import environment
from .tolerance import TEXT_KEYS, Tolerance, reconcile, tolerance_of

PLUGIN_NAME = "d2lrnn.notebooks.pytest_plugin"
DATA_ERRORS = ("DownloadError", "ChecksumError")
# Output fields nbval neither sanitizes nor compares as text.
_KEPT_AS_IS = ("metadata", "traceback", "output_type", "name", "execution_count")


def pytest_addoption(parser) -> None:
    group = parser.getgroup("d2lrnn", "d2lrnn notebooks (tolerance markers for nbval)")
    group.addoption("--d2lrnn-strict", action="store_true",
                    help="ignore d2lrnn tolerance markers: compare every cell exactly, as plain nbval")
    group.addoption("--d2lrnn-margin", type=float, default=1.0, metavar="M",
                    help="require printed floats within tolerance / M (default 1)")
    group.addoption("--d2lrnn-env", action="store_true",
                    help="start nbval kernels in d2lrnn's fixed environment (one BLAS thread unless "
                         "set, PYTHONHASHSEED=0, matplotlibrc, absolute D2LRNN_DATA, seeds)")


def register(config, fixed_environment: bool = False) -> None:
    """Make this plugin active in ``config`` (from a conftest.py's ``pytest_configure``), unless
    it already is; with ``fixed_environment``, as if ``--d2lrnn-env`` had been given."""
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(sys.modules[__name__], PLUGIN_NAME)
    if fixed_environment:
        _use_fixed_environment(config)


def _use_fixed_environment(config) -> None:
    environment.apply(keep_thread_counts=True)
    config.d2lrnn_seed_kernels = True


def pytest_configure(config) -> None:
    margin = config.getoption("d2lrnn_margin", default=1.0)
    if not margin > 0:
        raise pytest.UsageError(f"--d2lrnn-margin: expected a number > 0, got {margin!r}")
    if config.getoption("d2lrnn_env", default=False):
        _use_fixed_environment(config)


def _nbval_cell_class():
    plugin = sys.modules.get("nbval.plugin")
    return getattr(plugin, "IPyNbCell", None)


def _is_nbval_cell(item) -> bool:
    cell_class = _nbval_cell_class()
    return cell_class is not None and isinstance(item, cell_class)


def pytest_collection_modifyitems(session, config, items) -> None:
    strict = config.getoption("d2lrnn_strict", default=False)
    margin = config.getoption("d2lrnn_margin", default=1.0)
    for item in items:
        if not _is_nbval_cell(item) or hasattr(item, "d2lrnn_tolerance"):
            continue
        try:
            tolerance = tolerance_of(item.cell.metadata, getattr(item.parent, "nb", {}).get("metadata"))
        except ValueError as error:
            item.d2lrnn_tolerance, item.d2lrnn_marker_error = None, str(error)
            continue
        item.d2lrnn_tolerance = None if strict else tolerance
        if item.d2lrnn_tolerance is not None:
            scaled = Tolerance(tolerance.rtol / margin, tolerance.atol / margin)
            item.compare_outputs = functools.partial(_compare_within, item, scaled, item.compare_outputs)


@pytest.hookimpl(trylast=True)  # after nbval's setup has started the notebook's kernel
def pytest_runtest_setup(item) -> None:
    if not _is_nbval_cell(item):
        return
    error = getattr(item, "d2lrnn_marker_error", None)
    if error is not None:
        raise ValueError(f"Cell {item.cell_num}: {error}")
    if getattr(item.parent, "d2lrnn_data_error", None):
        pytest.skip(item.parent.d2lrnn_data_error)
    if getattr(item.config, "d2lrnn_seed_kernels", False) and not getattr(item.parent, "d2lrnn_seeded", False):
        item.parent.d2lrnn_seeded = True
        _run_silently(item.parent.kernel, environment.SEED_PREAMBLE)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not report.failed or not _is_nbval_cell(item):
        return
    for output in item.test_outputs or []:
        if output.get("output_type") == "error" and output.get("ename") in DATA_ERRORS:
            item.parent.d2lrnn_data_error = (
                f"cell {item.cell_num} could not load its data ({output['ename']}: see that cell's "
                f"failure); the cells after it need that data")


def _run_silently(kernel, code: str) -> None:
    if kernel is None:
        return
    msg_id = kernel.kc.execute(code, silent=True, store_history=False)
    kernel.await_reply(msg_id, timeout=60)


def _compare_within(item, tolerance: Tolerance, exact_compare, test: list, ref: list, skip_compare=None) -> bool:
    """nbval's ``compare_outputs`` on outputs whose floats within ``tolerance`` are made equal."""
    sanitize = item.sanitize
    test = [_sanitized(output, sanitize) for output in test]
    ref = [_sanitized(output, sanitize) for output in ref]
    test, differences = reconcile_outputs(ref, test, tolerance)
    item.sanitize = _unchanged  # both sides are sanitized already: once, as nbval would
    try:
        same = exact_compare(test, ref, skip_compare)
    finally:
        del item.sanitize
    if not same and differences:
        item.comparison_traceback.append(
            "Printed floats beyond this cell's d2lrnn tolerance:\n" + "\n".join(f"  {d}" for d in differences))
    return same


def _unchanged(text):
    return text


def _sanitized(output, sanitize):
    copy = type(output)()
    for key, value in output.items():
        if key in _KEPT_AS_IS:
            copy[key] = value
        elif key == "data":
            copy[key] = type(value)({mime: sanitize(data) for mime, data in value.items()})
        else:
            copy[key] = sanitize(value)
    return copy


def _texts(outputs: list):
    """(output index, field, key) of every text nbval compares key by key, in order."""
    for index, output in enumerate(outputs):
        if output.get("output_type") == "stream":
            yield index, "text", output.get("name")
        for mime in output.get("data", {}):
            yield index, "data", mime


def reconcile_outputs(ref: list, test: list, tolerance: Tolerance) -> tuple[list, list]:
    """``test`` with its floats within ``tolerance`` of ``ref`` written as in ``ref``, and the
    floats beyond it. Outputs are paired as nbval pairs them: the n-th text of each key."""
    stored = defaultdict(list)
    for index, field, key in _texts(ref):
        output = ref[index]
        stored[key].append(output[field] if field == "text" else output[field][key])
    seen = defaultdict(int)
    differences = []
    for index, field, key in _texts(test):
        position, seen[key] = seen[key], seen[key] + 1
        output = test[index]
        now = output[field] if field == "text" else output[field][key]
        if key not in TEXT_KEYS or position >= len(stored[key]):
            continue
        old = stored[key][position]
        if not (isinstance(old, str) and isinstance(now, str)):
            continue
        text, found, _ = reconcile(old, now, tolerance)
        differences.extend(found)
        if field == "text":
            output["text"] = text
        else:
            output["data"][key] = text
    return test, differences
