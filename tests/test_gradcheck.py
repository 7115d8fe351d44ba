"""gradcheck itself: it must catch wrong backwards, including gradients sent to the wrong place."""
import numpy as np
import pytest

import d2lrnn as d2l
from d2lrnn.autograd import numerical_grad, ops


class ReversedConcat(ops.Concat):
    """Wrong on purpose: hands each input the gradient slice of another input."""

    def backward(self, grad):
        return tuple(reversed(super().backward(grad)))


class UninvertedTranspose(ops.Transpose):
    """Wrong on purpose: transposes the gradient by the forward axes instead of their inverse."""

    def backward(self, grad):
        (axes,) = self.saved
        return self.xp.transpose(grad, axes)


def _arrays(*shapes):
    rng = np.random.default_rng(1)
    return [rng.standard_normal(s) for s in shapes]


def test_correct_concat_and_transpose_pass():
    a, b = _arrays((2, 3), (2, 3))
    assert d2l.gradcheck(lambda x, y: ops.Concat.apply(x, y, axis=0), a, b)
    (c,) = _arrays((2, 2, 2))
    assert d2l.gradcheck(lambda x: ops.Transpose.apply(x, axes=(1, 2, 0)), c)


def test_concat_backward_with_pieces_swapped_is_caught():
    a, b = _arrays((2, 3), (2, 3))
    with pytest.raises(AssertionError, match="gradcheck: input 0"):
        d2l.gradcheck(lambda x, y: ReversedConcat.apply(x, y, axis=0), a, b)


def test_transpose_backward_without_inverse_permutation_is_caught():
    (c,) = _arrays((2, 2, 2))
    with pytest.raises(AssertionError, match="gradcheck: input 0"):
        d2l.gradcheck(lambda x: UninvertedTranspose.apply(x, axes=(1, 2, 0)), c)


def test_outputs_of_a_tuple_get_different_weights():
    """Split into equal pieces, then the wrong piece's gradient: caught only if the two pieces' weights differ."""

    class SwappedSplit(ops.Split):
        def backward(self, *grads):
            return super().backward(*reversed(grads))

    (x,) = _arrays((4, 2))
    assert d2l.gradcheck(lambda t: ops.Split.apply(t, sections=2, axis=0), x)
    assert not d2l.gradcheck(lambda t: SwappedSplit.apply(t, sections=2, axis=0), x, raise_exception=False)


def test_integer_inputs_are_constants_not_checked():
    (x,) = _arrays((4, 3))
    index = np.array([2, 0, 2])
    seen = []

    def pick_rows(t, i):
        seen.append((t.dtype, i.dtype, i.requires_grad))
        return t[i] * 2.0

    assert d2l.gradcheck(pick_rows, x, index)
    assert all(dtype == np.float64 and idx_dtype == index.dtype and not needs for dtype, idx_dtype, needs in seen)


def test_numerical_grad_on_a_non_contiguous_array():
    x = np.arange(1.0, 13.0).reshape(3, 4).T  # a transposed view: reshape(-1) of it is a copy
    assert not x.flags["C_CONTIGUOUS"]
    before = x.copy()
    grad = numerical_grad(lambda t: t * t, [x], 0, 1e-6)
    expected = numerical_grad(lambda t: t * t, [x.copy()], 0, 1e-6)
    assert np.abs(expected).min() > 0  # the weighted square has a gradient at every element here
    np.testing.assert_allclose(grad, expected, rtol=1e-6)
    np.testing.assert_array_equal(x, before)  # every nudge was undone
