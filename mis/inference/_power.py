"""What an audit can detect: the ceiling of a DP audit (host, SciPy).

With ``P`` positives and ``N`` negatives on the evaluation half and the audit's two-sided
Clopper–Pearson bounds at level ``c`` (``α = 1 − c``, each side ``α/2``), perfectly separated
scores give the exact bounds at 0 failures,

.. math::
   \\mathrm{TPR}_{lo} = (\\alpha/2)^{1/P}, \\qquad \\mathrm{FPR}_{hi} = 1 - (\\alpha/2)^{1/N},

so no attack can certify more than
``ε_max = max(log((TPR_lo − δ)/FPR_hi), log((1 − FPR_hi − δ)/(1 − TPR_lo)))``. An accountant ε
above ``ε_max`` cannot be shown violated by that audit, whatever the scores (see
``METHODS.md`` §6, "Ceiling of a DP audit").
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from mis.audit import clopper_pearson, epsilon_from_rates, held_out_halves


def audit_ceiling(num_positive: int, num_negative: int, *, confidence: float = 0.95,
                  delta: float = 0.0) -> float:
    """The largest ε an audit with these evaluation sizes can certify (module docstring),
    computed from the same Clopper–Pearson bounds and the same rates-to-ε rule
    (:func:`mis.audit.epsilon_from_rates`) the audit uses."""
    if num_positive < 1 or num_negative < 1:
        raise ValueError(f"need >= 1 positive and negative, got {num_positive}, {num_negative}")
    tpr = float(clopper_pearson(num_positive, num_positive, confidence).lower)
    fpr = float(clopper_pearson(0, num_negative, confidence).upper)
    return epsilon_from_rates(tpr, fpr, delta)


def held_out_ceiling(is_member: ArrayLike, *, confidence: float = 0.95,
                     delta: float = 0.0) -> float:
    """:func:`audit_ceiling` of the evaluation half that :func:`mis.audit.held_out_halves`
    gives for labels ``is_member`` (the half the audit's ε bound is computed on)."""
    import numpy as np

    member = np.asarray(is_member, bool).ravel()
    _, evaluate = held_out_halves(member)
    positives = int(member[evaluate].sum())
    return audit_ceiling(positives, evaluate.size - positives, confidence=confidence,
                         delta=delta)
