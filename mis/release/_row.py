"""One release's measurements as a typed row, and its table columns (host).

Column names exist here only: reports and findings read :class:`ReleaseRow` fields, and
:func:`release_columns` turns a row into the flat CSV/JSON record. Columns: ``quantizer``,
``bits_per_weight``, ``sparsity``, ``accuracy`` and ``test_loss`` (fresh data, mean over models,
with ``_lo``/``_hi`` 95 % bounds), ``ind_a_n_rate`` / ``ind_b_n_rate`` (``n·r̂`` of the
indicator variants with bootstrap bounds) and ``ind_a_mis`` (implied ``1 − exp(−n r̂)``, empty
when ``n·r̂ < 0``: a negative rate means the sample is outside the indicator's asymptotic
regime, not that MIS is 0); for
each attack ``<attack>_auc``, ``<attack>_tpr@0.1%``, ``<attack>_tpr@1%``,
``<attack>_advantage`` with bounds (two-way bootstrap intervals: models and examples
resampled together, :mod:`mis.inference`), ``<attack>_fpr@0.1%`` / ``<attack>_fpr@1%``: the FPR
the held-out threshold really has on the evaluation half; ``min_fpr``: the smallest FPR a
threshold can aim at (1 / non-members of the choosing half; a TPR at a smaller target is left
empty, "not resolvable"); ``rmia_signal`` (RMIA's ``Pr(x | θ)``, chosen on the
reference models: ``softmax:T`` or ``taylor:T``); ``delta_knn`` (with bounds): the cross-fitted k-NN
two-sample estimate of the optimal advantage of an adversary who sees the query (φ, LiRA
offline score) of a (model, example) pair (:func:`mis.tv.classifier_tv`; its lower end
is a lower confidence bound on that Δ); ``exact_delta`` where ``theory`` computes it; then the
released target's ``performance`` metrics. An empty cell means "not defined".
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from mis.audit import AttackMetrics
from mis.indicator import Indicator
from theory import Estimate

FPRS = (0.001, 0.01)
PRIMARY_ATTACK = "LiRA"


class ReleaseRow(NamedTuple):
    """Everything measured for one quantizer's release.

    Attributes:
        spec: the quantizer spec.
        bits_per_weight: storage of the quantized kernels (codes, scales, masks) per weight.
        sparsity: fraction of zero weights in the released target's kernels.
        accuracy: fresh-data accuracy, mean over the shadow models (``nan`` for regression).
        test_loss: fresh-data loss, mean over the shadow models.
        indicator_a: variant A (thresholds); None where undefined (no thresholds).
        indicator_b: variant B (loss gaps).
        attacks: one :class:`~mis.audit.AttackMetrics` per attack (leave-one-model-out).
        exact_delta: the exact advantage ``Δ = 1 − MIS`` where ``theory`` computes it.
        scores: ``attack -> [M, n]`` scores (labels: the run's mask), for ROC figures.
        performance: the released target's test metrics (``name -> Estimate``), else empty.
        delta_knn: the k-NN two-sample Δ̂ of the release (module docstring), or None.
        rmia_signal: RMIA's ``Pr(x | θ)`` signal (:data:`mis.attacks.RMIA_SIGNALS`), chosen on
            the reference models only (classifiers; ``"gaussian"`` for loss signals).
        rmia_by_signal: the leave-one-model-out RMIA AUC under every candidate signal
            (classifiers), for the RMIA table of the reports.
        utility_reps: two-way bootstrap replicates (:class:`mis.inference.Replicates`) of the
            accuracy (classifiers) or test loss, for paired comparisons between releases.
    """

    spec: str
    bits_per_weight: float
    sparsity: float
    accuracy: Estimate
    test_loss: Estimate
    indicator_a: Indicator | None
    indicator_b: Indicator | None
    attacks: list[AttackMetrics]
    exact_delta: Estimate | None
    scores: dict
    performance: dict = {}
    delta_knn: Estimate | None = None
    rmia_signal: str = ""
    rmia_by_signal: dict = {}
    utility_reps: Any = None

    def attack(self, name: str) -> AttackMetrics | None:
        """The metrics of attack ``name``, or None when it was not run."""
        return next((a for a in self.attacks if a.attack == name), None)

    def require(self, name: str) -> AttackMetrics:
        """The metrics of attack ``name``, which the evaluation must have run (``KeyError``
        naming the attacks it did run otherwise)."""
        found = self.attack(name)
        if found is None:
            raise KeyError(f"attack {name!r} was not run on {self.spec!r}; it ran "
                           f"{', '.join(a.attack for a in self.attacks)}")
        return found

    @property
    def has_accuracy(self) -> bool:
        """Whether the task has an accuracy (classification)."""
        return not math.isnan(float(self.accuracy.value))

    @property
    def indicator_b_defined(self) -> bool:
        """Whether variant B found a candidate with a positive loss gap."""
        return self.indicator_b is not None and self.indicator_b.num_terms > 0


def value(est: Any) -> float:
    """``float(est.value)``, or ``nan`` for None."""
    return float("nan") if est is None else float(est.value)


def estimate_columns(prefix: str, est: Any) -> dict:
    """``{prefix, prefix_lo, prefix_hi}`` of an Estimate, empty strings for None or a ``nan``
    value (not defined, e.g. a TPR at an FPR that is not resolvable)."""
    if est is None or math.isnan(float(est.value)):
        return {prefix: "", f"{prefix}_lo": "", f"{prefix}_hi": ""}
    return {prefix: float(est.value), f"{prefix}_lo": float(est.lower),
            f"{prefix}_hi": float(est.upper)}


def attack_column(name: str) -> str:
    """The column prefix of attack ``name`` (spaces become underscores)."""
    return name.replace(" ", "_")


def release_columns(r: ReleaseRow, *, shadow_utility: bool = True) -> dict:
    """The flat record of one row (module docstring); ``shadow_utility=False`` leaves out the
    shadow-model ``accuracy`` / ``test_loss`` (when the target's ``performance`` replaces
    them)."""
    row = {"quantizer": r.spec, "bits_per_weight": r.bits_per_weight, "sparsity": r.sparsity}
    if shadow_utility:
        row |= estimate_columns("accuracy", r.accuracy if r.has_accuracy else None)
        row |= estimate_columns("test_loss", r.test_loss)
    row |= estimate_columns("ind_a_n_rate", r.indicator_a and r.indicator_a.n_rate)
    row["ind_a_mis"] = (float(r.indicator_a.mis.value)
                        if r.indicator_a and float(r.indicator_a.n_rate.value) >= 0 else "")
    row |= estimate_columns("ind_b_n_rate", r.indicator_b.n_rate
                            if r.indicator_b is not None and r.indicator_b_defined else None)
    for a in r.attacks:
        name = attack_column(a.attack)
        row |= estimate_columns(f"{name}_auc", a.auc)
        for f, label in ((0.001, "0.1%"), (0.01, "1%")):
            row |= estimate_columns(f"{name}_tpr@{label}", a.tpr_at_fpr[f])
            real = a.realised_fpr.get(f)
            row[f"{name}_fpr@{label}"] = ("" if real is None or math.isnan(float(real.value))
                                          else float(real.value))
        row |= estimate_columns(f"{name}_advantage", a.advantage)
    row["min_fpr"] = min((a.min_fpr for a in r.attacks), default="")
    row["rmia_signal"] = r.rmia_signal
    row |= estimate_columns("delta_knn", r.delta_knn)
    row |= estimate_columns("exact_delta", r.exact_delta)
    for name, est in r.performance.items():
        row |= estimate_columns(name, est)
    return row


def indicator_n_rate(r: ReleaseRow, variant: str) -> float:
    """``n·r̂`` of indicator ``variant`` (``"A"`` or ``"B"``), ``nan`` where undefined."""
    if variant == "A":
        return value(r.indicator_a and r.indicator_a.n_rate)
    defined = r.indicator_b is not None and r.indicator_b_defined
    return value(r.indicator_b.n_rate) if defined and r.indicator_b else float("nan")


def indicator_rate(r: ReleaseRow, variant: str) -> float:
    """``r̂`` of indicator ``variant`` (``nan`` where undefined): what rankings use."""
    ind = r.indicator_a if variant == "A" else r.indicator_b
    return float("nan") if ind is None else value(ind.rate)
