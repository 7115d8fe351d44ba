"""CuPy ElementwiseKernels for the gate math of one time step (used only on a GPU).

On a GPU each NumPy-style call is a kernel launch, so the element-wise work of one step of
the fused sequence kernels (``rnn.py``, ``lstm.py``, ``gru.py``) is fused into one launch;
the matmuls stay with cuBLAS. The arithmetic is the NumPy path's, line for line, so both
devices give the same numbers up to rounding. Arguments are (B, H) arrays, or (G, B, H)
stacks of gate planes that are passed on plane by plane; ``valid`` is a (B, 1) boolean mask
or the scalar True. Kernels are compiled on first use; CuPy comes from
``d2lrnn.backend``, the only module that imports it.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from .. import backend


def applies_to(array: Any) -> bool:
    """True for a CuPy array: the sequence kernels then use the step kernels below."""
    return backend.is_gpu_array(array)


@cache
def _rnn_forward() -> Any:
    return backend.cupy.ElementwiseKernel(
        "T px, T ph, T h_prev, bool valid, bool relu",
        "T h",
        """
        T a = px + ph;
        T y = relu ? max(a, (T)0) : tanh(a);
        h = valid ? y : h_prev;
        """,
        "d2lrnn_rnn_step_forward",
    )


@cache
def _lstm_forward() -> Any:
    # Pre-activations arrive scaled by -1 (sigmoid gates) and -2 (the candidate), as in
    # lstm.py: sigmoid(a) = 1 / (1 + exp(-a)), tanh(a) = 2 / (1 + exp(-2a)) - 1.
    return backend.cupy.ElementwiseKernel(
        "T px_o, T px_i, T px_f, T px_g, T ph_o, T ph_i, T ph_f, T ph_g, T c_prev, T h_prev, bool valid",
        "T gate_o, T gate_i, T gate_f, T gate_g, T c, T tanh_c, T h",
        """
        T o = (T)1 / ((T)1 + exp(px_o + ph_o));
        T ig = (T)1 / ((T)1 + exp(px_i + ph_i));
        T f = (T)1 / ((T)1 + exp(px_f + ph_f));
        T g = (T)2 / ((T)1 + exp(px_g + ph_g)) - (T)1;
        gate_o = o; gate_i = ig; gate_f = f; gate_g = g;
        T c_new = f * c_prev + ig * g;
        T tc = tanh(c_new);
        tanh_c = tc;
        c = valid ? c_new : c_prev;
        h = valid ? o * tc : h_prev;
        """,
        "d2lrnn_lstm_step_forward",
    )


@cache
def _lstm_backward() -> Any:
    return backend.cupy.ElementwiseKernel(
        "T dh, T dc_in, T h_to_c, T k_o, T k_i, T k_f, T k_g, T c_to_c",
        "T dz_o, T dz_i, T dz_f, T dz_g, T dc_out",
        """
        dz_o = dh * k_o;
        T dc = dc_in + dh * h_to_c;
        dz_i = dc * k_i; dz_f = dc * k_f; dz_g = dc * k_g;
        dc_out = dc * c_to_c;
        """,
        "d2lrnn_lstm_step_backward",
    )


@cache
def _gru_forward() -> Any:
    # Pre-activations of r and z arrive negated, as in gru.py: sigmoid(a) = 1 / (1 + exp(-a)).
    return backend.cupy.ElementwiseKernel(
        "T px_r, T px_z, T px_n, T ph_r, T ph_z, T ph_n, T b_hn, T h_prev, bool valid",
        "T gate_r, T gate_z, T gate_n, T hn, T h",
        """
        T r = (T)1 / ((T)1 + exp(px_r + ph_r));
        T z = (T)1 / ((T)1 + exp(px_z + ph_z));
        T recurrent_n = ph_n + b_hn;
        T cand = tanh(px_n + r * recurrent_n);
        gate_r = r; gate_z = z; gate_n = cand; hn = recurrent_n;
        h = valid ? cand + z * (h_prev - cand) : h_prev;
        """,
        "d2lrnn_gru_step_forward",
    )


@cache
def _gru_backward() -> Any:
    return backend.cupy.ElementwiseKernel(
        "T dh, T k_z, T k_n, T k_r, T gate_r, T z_carry",
        "T d_m, T dz_r, T dz_z, T dz_n, T dh_direct",
        """
        T dn = dh * k_n;
        dz_z = dh * k_z;
        dz_n = dn;
        dz_r = dn * k_r;
        d_m = dn * gate_r;
        dh_direct = dh * z_carry;
        """,
        "d2lrnn_gru_step_backward",
    )


def rnn_step(projected: Any, recurrent: Any, h_prev: Any, valid: Any, relu: bool, h: Any) -> None:
    """h = act(projected + recurrent) where valid, else h_prev."""
    _rnn_forward()(projected, recurrent, h_prev, valid, relu, h)


def lstm_step(projected: Any, recurrent: Any, c_prev: Any, h_prev: Any, valid: Any, gates: Any, c: Any,
              tanh_c: Any, h: Any) -> None:
    """One LSTM step's gate math; projected, recurrent, gates (4, B, H), planes o, i, f, g."""
    _lstm_forward()(*projected, *recurrent, c_prev, h_prev, valid, *gates, c, tanh_c, h)


def lstm_step_backward(dh: Any, dc_in: Any, factors: Any, c_to_c: Any, dz: Any, dc_out: Any) -> None:
    """One LSTM step's gradient products (see lstm.py): factors (5, B, H), planes h_to_c and the
    factors of o, i, f, g; dz (4, B, H) receives do, di, df, dg."""
    _lstm_backward()(dh, dc_in, *factors, c_to_c, *dz, dc_out)


def gru_step(projected: Any, recurrent: Any, b_hn: Any, h_prev: Any, valid: Any, gates: Any, hn: Any,
             h: Any) -> None:
    """One GRU step's gate math; projected, recurrent, gates (3, B, H), planes r, z, n."""
    _gru_forward()(*projected, *recurrent, b_hn, h_prev, valid, *gates, hn, h)


def gru_step_backward(dh: Any, z_and_n: Any, r_and_m: Any, z_carry: Any, d_gates: Any, dh_direct: Any) -> None:
    """One GRU step's gradient products (see gru.py); d_gates (4, B, H) receives dm, dr, dz, dn."""
    _gru_backward()(dh, *z_and_n, *r_and_m, z_carry, *d_gates, dh_direct)
