"""``temperature_explorer``: a slider for the sampling temperature of a language model's ``predict``.

Its text form (what nbval compares, and what a notebook shows without widgets) holds the sample
at the current temperature and, for comparison, greedy decoding: seeded, so the same on every run.
"""
from __future__ import annotations

from typing import Any

import ipywidgets

from .widgets import Explorer, _pre


def temperature_explorer(model: Any, vocab: Any, prefix: str = "the time traveller ", num_preds: int = 80,
                         temperature: float = 0.8, seed: int = 0, top_k: int | None = None) -> Explorer:
    """A slider from 0 (greedy) to 2 over ``model.predict(prefix, num_preds, vocab, temperature=...)``.

    Every temperature is sampled with the same ``seed`` (and ``top_k``), so moving the slider
    back returns the same text; samples are computed once and kept.
    """
    slider = ipywidgets.FloatSlider(value=temperature, min=0.0, max=2.0, step=0.1, description="temperature",
                                    continuous_update=False)
    samples: dict = {}

    def sample(t: float) -> str:
        key = round(float(t), 2)
        if key not in samples:
            samples[key] = model.predict(prefix, num_preds, vocab, temperature=key, top_k=top_k, seed=seed)
        return samples[key]

    def describe() -> str:
        t = round(float(slider.value), 2)
        options = f"temperature={t:g}, seed={seed}" + (f", top_k={top_k}" if top_k is not None else "")
        return (f"predict({prefix!r}, {num_preds}, vocab, {options}):\n  {sample(t)!r}\n"
                f"greedy (temperature 0):\n  {sample(0.0)!r}")

    text = ipywidgets.HTML(_pre(describe()))
    slider.observe(lambda change: setattr(text, "value", _pre(describe())), names="value")
    return Explorer([slider, text], describe)
