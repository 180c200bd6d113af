"""What a quantization-aware release evaluation needs besides the quantizers (host types)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from mis.data import Dataset
from mis.shadow import Learner, ShadowModels

SIGNALS = ("classifier", "loss")


class ReleaseSetup(NamedTuple):
    """Trained shadow models and the released target, ready to be compressed and attacked.

    Attributes:
        learner: the :class:`~mis.shadow.Learner` every model was trained with.
        pool: the training pool the shadow models' membership refers to.
        fresh: fresh (public) data: utility, RMIA's population, GPTQ calibration (first 256).
        shadows: :class:`~mis.shadow.ShadowModels` with stacked ``params``.
        signal: ``"classifier"`` (logit-scaled confidence, class probability) or ``"loss"``
            (``−loss`` and the Gaussian likelihood ``exp(−loss/2)``: regression residuals and
            the Gaussian mean); see :mod:`mis.attacks`.
        target: the released model whose indicator, storage and ``performance`` are reported;
            None for shadow model 0.
        target_data: the target's training set (the indicator's samples).
        performance: optional ``(learner, released_target, fresh) -> {name: Estimate}``.
        extras: optional ``(quantizer, released_stacked, scores) -> (scores, exact Δ or None)``
            adding attacks or exact values a task knows (the Gaussian mean's Bayes attack).
    """

    learner: Learner
    pool: Dataset
    fresh: Dataset
    shadows: ShadowModels
    signal: str
    target: Any
    target_data: Dataset
    performance: Callable | None = None
    extras: Callable | None = None
