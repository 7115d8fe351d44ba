"""The one positive-int check (d2lrnn/checks.py), and the places that ask it: NumPy integers are ints."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn import layers
from d2lrnn.checks import check_positive_int, is_int_at_least
from d2lrnn.viz import rnn_output_shapes, rnn_param_count


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.int32(1), np.uint8(2)])
def test_positive_ints_pass_as_python_ints(value):
    checked = check_positive_int(value, "units")
    assert checked == int(value) and type(checked) is int


@pytest.mark.parametrize("value", [0, -2, True, 2.0, "3", None, np.float64(2.0), np.int64(0)])
def test_everything_else_is_refused_naming_the_argument(value):
    with pytest.raises(ValueError, match=r"^units: expected a positive int, got "):
        check_positive_int(value, "units")
    assert not is_int_at_least(value, 1)


def test_numpy_integers_are_accepted_everywhere_a_size_is_asked():
    n = np.int64(3)
    assert layers.LSTM(n).cell.units == 3 and type(layers.GRUCell(n).units) is int
    assert layers.Dense(n).units == 3
    assert layers.Embedding(n, n).output_dim == 3
    assert rnn_output_shapes("GRU", n, n, n) == [(3, 3)]
    assert rnn_param_count("SimpleRNN", n, n) == 3 * (3 + 3) + 3
    assert d2l.RNNScratch(num_inputs=n, num_hiddens=n).num_hiddens == 3


@pytest.mark.parametrize("make, argument", [
    (lambda: layers.SimpleRNN(0), "units"),
    (lambda: layers.Dense(np.int64(-1)), "units"),
    (lambda: layers.Embedding(5, 0), "output_dim"),
    (lambda: rnn_param_count("LSTM", True, 2), "features"),
])
def test_bad_sizes_name_the_argument(make, argument):
    with pytest.raises(ValueError, match=f"{argument}: expected a positive integer"):
        make()
