"""Reference attacks on a user's (models × examples) signal tensor, leave-one-model-out (host
checks, device scoring): what ``mis audit`` runs on a signals file."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from jax.typing import ArrayLike

from mis.attacks._evaluate import check_attack_inputs, leave_one_out
from mis.attacks._reference import lira_offline, lira_online
from mis.errors import UserError

SIGNAL_ATTACKS = ("lira", "lira-offline", "lira-offline-two-sided", "lira-fixed", "global")


def check_signal_attacks(attacks: Sequence[str]) -> None:
    """``UserError`` naming the first attack that is not one of :data:`SIGNAL_ATTACKS`."""
    unknown = [a for a in attacks if a not in SIGNAL_ATTACKS]
    if unknown or not attacks:
        raise UserError(f"attack {unknown[0] if unknown else '(none)'!r} is unknown; use any "
                        f"of {', '.join(SIGNAL_ATTACKS)}")


def signal_attacks(signals: ArrayLike, mask: ArrayLike,
                   attacks: Sequence[str] = SIGNAL_ATTACKS) -> dict[str, np.ndarray]:
    """``name -> [M, n]`` scores of each attack, every model the target once.

    Args:
        signals: ``[M, n]`` or ``[M, n, q]`` (``q`` queries per example, averaged by LiRA),
            larger = more member-like (logit-scaled confidence, ``−loss``).
        mask: ``[M, n]`` 0/1 or bool, 1 = example ``j`` was in model ``m``'s training set.
        attacks: any of ``lira`` (online), ``lira-offline`` (the paper's one-sided test),
            ``lira-offline-two-sided`` (the official code's offline score, ``−log`` OUT
            density), ``lira-fixed`` (online, one global variance, as the official LiRA code)
            and ``global`` (the raw signal, mean over queries: a global threshold).

    Raises:
        UserError: unknown attack, shapes that disagree, NaN signals, or fewer than 2 IN / OUT
            reference models for some example once the target is left out.
    """
    check_signal_attacks(attacks)
    online = any(a in ("lira", "lira-fixed") for a in attacks)
    check_attack_inputs(signals, mask, online=online)
    signals = np.asarray(signals, np.float32)
    mask = np.asarray(mask).astype(bool)
    fns = {
        "lira": lambda t, r, i, o: lira_online(t, r, i, o),
        "lira-fixed": lambda t, r, i, o: lira_online(t, r, i, o, fixed_variance=True),
        "lira-offline": lambda t, r, i, o: lira_offline(t, r, o),
        "lira-offline-two-sided": lambda t, r, i, o: lira_offline(t, r, o, two_sided=True),
    }
    out = {}
    for name in attacks:
        if name == "global":
            out[name] = signals.reshape(*mask.shape, -1).mean(-1)
        else:
            out[name] = np.asarray(leave_one_out(fns[name], signals, mask))
    return out
