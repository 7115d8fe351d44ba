"""CuPy ElementwiseKernels for the gate math of one time step (used only on a GPU).

On a GPU each NumPy-style call is a kernel launch, so the element-wise work of one step of
the fused sequence kernels (``rnn.py``, ``lstm.py``, ``gru.py``) is fused into one launch;
the matmuls stay with cuBLAS. The arithmetic is the NumPy path's, line for line, so both
devices give the same numbers up to rounding. Arguments are (R, B, H) arrays (R directions
stacked), or (R, G, B, H) stacks of gate planes that are passed on plane by plane; ``valid``
is an (R, B, 1) boolean mask or the scalar True. Kernels are compiled on first use; CuPy comes from
``d2lrnn.backend``, the only module that imports it.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from .. import backend


def applies_to(array: Any) -> bool:
    """True for a CuPy array: the sequence kernels then use the step kernels below."""
    return backend.is_gpu_array(array)


# name -> (input parameters, output parameters, CUDA body) of each step kernel.
_SOURCES = {
    "rnn_step_forward": (
        "T px, T ph, T h_prev, bool valid, bool relu",
        "T h",
        """
            T a = px + ph;
            T y = relu ? max(a, (T)0) : tanh(a);
            h = valid ? y : h_prev;
        """),
    # Pre-activations of the sigmoid gates arrive halved, as in lstm.py:
    # sigmoid(a) = (1 + tanh(a / 2)) / 2.
    "lstm_step_forward": (
        "T px_o, T px_i, T px_f, T px_g, T ph_o, T ph_i, T ph_f, T ph_g, T c_prev, T h_prev, bool valid",
        "T gate_o, T gate_i, T gate_f, T gate_g, T c, T tanh_c, T h",
        """
            T o = tanh(px_o + ph_o) * (T)0.5 + (T)0.5;
            T ig = tanh(px_i + ph_i) * (T)0.5 + (T)0.5;
            T f = tanh(px_f + ph_f) * (T)0.5 + (T)0.5;
            T g = tanh(px_g + ph_g);
            gate_o = o; gate_i = ig; gate_f = f; gate_g = g;
            T c_new = ig * g + f * c_prev;
            T tc = tanh(c_new);
            tanh_c = tc;
            c = valid ? c_new : c_prev;
            h = valid ? o * tc : h_prev;
        """),
    "lstm_step_backward": (
        "T dh, T dc_in, T h_to_c, T k_o, T k_i, T k_f, T k_g, T c_to_c",
        "T dz_o, T dz_i, T dz_f, T dz_g, T dc_out",
        """
            dz_o = dh * k_o;
            T dc = dc_in + dh * h_to_c;
            dz_i = dc * k_i; dz_f = dc * k_f; dz_g = dc * k_g;
            dc_out = dc * c_to_c;
        """),
    # Pre-activations of r and z arrive halved, as in gru.py: sigmoid(a) = (1 + tanh(a / 2)) / 2;
    # the recurrent part m includes b_h.
    "gru_step_forward": (
        "T px_r, T px_z, T px_n, T m_r, T m_z, T m_n, T h_prev, bool valid",
        "T gate_r, T gate_z, T gate_n, T h",
        """
            T r = tanh(px_r + m_r) * (T)0.5 + (T)0.5;
            T z = tanh(px_z + m_z) * (T)0.5 + (T)0.5;
            T cand = tanh(px_n + r * m_n);
            gate_r = r; gate_z = z; gate_n = cand;
            h = valid ? (h_prev - cand) * z + cand : h_prev;
        """),
    "gru_step_backward": (
        "T dh, T k_z, T k_n, T z_carry, T gate_r, T k_r",
        "T d_m, T dz_r, T dz_z, T dz_n, T dh_direct",
        """
            T dn = dh * k_n;
            dz_z = dh * k_z;
            dz_n = dn;
            dh_direct = dh * z_carry;
            d_m = dn * gate_r;
            dz_r = dn * k_r;
        """),
}


@cache
def _kernel(name: str) -> Any:
    """The ElementwiseKernel ``d2lrnn_<name>`` of ``_SOURCES`` (CuPy compiles it on first call)."""
    in_params, out_params, body = _SOURCES[name]
    return backend.cupy.ElementwiseKernel(in_params, out_params, body, f"d2lrnn_{name}")


def _planes(stack: Any, axis: int = 1) -> list:
    """The gate planes of an (R, G, B, H) stack (or the blocks of an (R, B, G, H) one, axis 2)."""
    return [stack[:, k] if axis == 1 else stack[:, :, k] for k in range(stack.shape[axis])]


def rnn_step(projected: Any, recurrent: Any, h_prev: Any, valid: Any, relu: bool, h: Any) -> None:
    """h = act(projected + recurrent) where valid, else h_prev."""
    _kernel("rnn_step_forward")(projected, recurrent, h_prev, valid, relu, h)


def lstm_step(projected: Any, recurrent: Any, c_prev: Any, h_prev: Any, valid: Any, gates: Any, c: Any,
              tanh_c: Any, h: Any) -> None:
    """One LSTM step's gate math; projected, recurrent, gates (4, R, B, H), planes o, i, f, g."""
    _kernel("lstm_step_forward")(*projected, *recurrent, c_prev, h_prev, valid, *gates, c, tanh_c, h)


def lstm_step_backward(dh: Any, dc_in: Any, factors: Any, blocks: Any) -> None:
    """One LSTM step's gradient products (see lstm.py): factors (6, R, B, H), planes dc_h, do and
    di, df, dg, dc_{t-1}; blocks (6, R, B, H) receives do, di, df, dg, dc_{t-1} (not the scratch dc_h)."""
    _kernel("lstm_step_backward")(dh, dc_in, *factors, *blocks[1:])


def gru_step(projected: Any, m: Any, h_prev: Any, valid: Any, gates: Any, h: Any) -> None:
    """One GRU step's gate math; projected, m (= h_{t-1} W_h + b_h), gates (R, 3, B, H), planes r, z, n."""
    _kernel("gru_step_forward")(*_planes(projected), *_planes(m), h_prev, valid, *_planes(gates), h)


def gru_step_backward(dh: Any, factors: Any, blocks: Any) -> None:
    """One GRU step's gradient products (see gru.py): factors (R, B, 5, H), blocks dz, dn, z_carry
    and r, k_r; blocks (R, B, 5, H) receives dm_n, dr_pre, dz_pre, dn_pre, dh_direct."""
    _kernel("gru_step_backward")(dh, *_planes(factors, 2), *_planes(blocks, 2))
