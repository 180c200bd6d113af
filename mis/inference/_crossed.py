"""Two-way (pigeonhole) bootstrap of stacked shadow-model scores (host, NumPy).

A score ``s[m, i]`` of model ``m`` on example ``i`` shares its model with every other example
and its example with every other model: the ``M·n`` pairs are not independent, and intervals
that treat them so (DeLong, Clopper–Pearson on pooled counts) are too narrow. The pigeonhole
bootstrap (Owen, "The pigeonhole bootstrap", Annals of Applied Statistics 2007) draws the
models with replacement and, independently, the examples with replacement, and recomputes the
statistic on the product sample. Drawing with replacement is a multinomial count per model
``a_m`` and per example ``c_i``; pair ``(m, i)`` then enters the resample ``a_m c_i`` times, so
every statistic below is computed once per replicate as a *weighted* statistic of the fixed
scores (exact, no copying). Owen shows its variance is conservative (never too small) for
crossed random effects.

Attacks with leave-one-model-out references: the per-(model, example) scores are resampled
as computed (the usual approximation; recomputing the attack inside each replicate would be
exact and ``B`` times dearer).

Statistics (all for "larger score = member", ties counting ½ in the AUC, thresholds
``score >= t`` as in :mod:`mis.audit`):

- ``auc``: weighted Mann–Whitney ``Σ_k W1_k (W0_{<k} + ½ W0_k) / (W1 · W0)`` over tie blocks.
- ``advantage``: ``max_t (TPR(t) − FPR(t))``, in sample (biased upward: its bias is shown).
- ``held_out_advantage``: the threshold maximising ``TPR − FPR`` on the choosing half (the
  largest such threshold; ``+inf``, advantage 0, when no threshold is positive), its
  ``TPR − FPR`` on the other half: an unbiased estimate of one threshold's advantage, so at most
  the attack's best. The advantage interval of :func:`mis.inference.stacked_metrics_table`
  takes its lower end from these replicates and its upper end from the in-sample ones (biased
  upward): both ends conservative.
- ``tpr_at_fpr``: held-out, as :func:`mis.audit.tpr_at_fpr`: the threshold is chosen on one
  half of :func:`mis.audit.held_out_halves` (largest TPR among ROC points with FPR ``<= f``) and
  the TPR and the *realised* FPR are those of that threshold on the other half. A target below
  ``1 / (non-members in the choosing half)`` cannot be aimed at: it is "not resolvable".
- ``mean``: the weighted mean of a ``[M, n]`` table (accuracy from a 0/1 correctness table).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike

from mis.audit import check_scores, held_out_halves
from mis.errors import UserError
from mis.inference._bootstrap import Replicates
from theory import Estimate

NUM_BOOTSTRAP = 400
SEED = 0


def crossed_counts(num_models: int, num_examples: int, num_bootstrap: int = NUM_BOOTSTRAP,
                   seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """``(a [B, M], c [B, n])``: how often each model and each example is drawn in each of
    ``B`` resamples (multinomial counts: drawing with replacement). The same arguments give
    the same counts, so statistics computed separately are paired replicate by replicate."""
    if num_models < 1 or num_examples < 1 or num_bootstrap < 1:
        raise ValueError(f"need >= 1 models, examples and resamples, got {num_models}, "
                         f"{num_examples}, {num_bootstrap}")
    rng = np.random.default_rng(seed)
    a = rng.multinomial(num_models, np.full(num_models, 1 / num_models), size=num_bootstrap)
    c = rng.multinomial(num_examples, np.full(num_examples, 1 / num_examples),
                        size=num_bootstrap)
    return a.astype(np.float64), c.astype(np.float64)


class StackedScores:
    """Scores ``[M, n]`` and membership ``[M, n]`` prepared for weighted statistics: tie blocks
    in ascending score order and the two held-out halves. ``w`` arguments are ``[M, n]`` pair
    weights (``None``: every pair once). Its NumPy methods give the point values and are the
    reference the compiled resampling kernel is tested against.

    ``valid`` ``[M, n]`` bool (default: all): the pairs that belong to the sample (a group of
    a study, e.g. members that did not start a synthetic image vs non-members); the others
    take no part, and the resampling still draws whole models and whole examples."""

    def __init__(self, scores: ArrayLike, mask: ArrayLike,
                 valid: ArrayLike | None = None) -> None:
        s = np.asarray(scores, np.float64)
        m = np.asarray(mask)
        v = np.ones(s.shape, bool) if valid is None else np.asarray(valid, bool)
        if s.ndim == 1:
            s, m, v = s[None, :], m[None, :], v[None, :]
        if s.ndim != 2 or s.shape != m.shape or v.shape != s.shape:
            raise UserError(f"scores {s.shape}, mask {m.shape} and valid {v.shape} must share "
                            "[models, examples]")
        self.pairs = np.flatnonzero(v.ravel())  # flat indices of the pairs in the sample
        # labels 0/1, no NaN, both classes
        flat, member = check_scores(s.ravel()[self.pairs], m.ravel()[self.pairs])
        self.flat_scores = flat
        self.shape = s.shape
        uniq, block = np.unique(flat, return_inverse=True)
        self.num_blocks = uniq.size
        self.block = block.ravel()
        self.member = member
        choose, _ = held_out_halves(self.member)
        self.choose = np.zeros(flat.size, bool)
        self.choose[choose] = True
        if not all(np.any(self.member & h) and np.any(~self.member & h)
                   for h in (self.choose, ~self.choose)):
            raise UserError("held-out rates need at least 2 members and 2 non-members")
        cats = (self.member & self.choose, ~self.member & self.choose,
                self.member & ~self.choose, ~self.member & ~self.choose)
        self._categories = tuple(np.flatnonzero(c) for c in cats)

    @property
    def min_fpr(self) -> float:
        """The smallest FPR a threshold chosen on the choosing half can aim at:
        ``1 / (its non-members)``."""
        return 1.0 / float(np.sum(self.choose & ~self.member))

    def _category_sums(self, w) -> tuple[np.ndarray, ...]:
        """Per tie block, the weight of (member, choose), (non-member, choose), (member,
        evaluate), (non-member, evaluate) pairs."""
        w = np.ones(self.block.size) if w is None else \
            np.asarray(w, np.float64).ravel()[self.pairs]
        return tuple(np.bincount(self.block[idx], w[idx], self.num_blocks)
                     for idx in self._categories)

    def auc(self, w: np.ndarray | None = None) -> float:
        """Weighted Mann–Whitney AUC (ties ½)."""
        a1, a0, b1, b0 = self._category_sums(w)
        w1, w0 = a1 + b1, a0 + b0
        below = np.cumsum(w0) - w0
        den = w1.sum() * w0.sum()
        return float(np.sum(w1 * (below + 0.5 * w0)) / den) if den > 0 else float("nan")

    def advantage(self, w: np.ndarray | None = None) -> float:
        """Weighted ``max_t (TPR − FPR)`` over every threshold (0 at ``t = +inf``)."""
        a1, a0, b1, b0 = self._category_sums(w)
        w1, w0 = a1 + b1, a0 + b0
        if w1.sum() <= 0 or w0.sum() <= 0:
            return float("nan")
        tpr, fpr = np.cumsum(w1[::-1]) / w1.sum(), np.cumsum(w0[::-1]) / w0.sum()
        return float(max(np.max(tpr - fpr), 0.0))

    def held_out_advantage(self, w: np.ndarray | None = None) -> float:
        """Held-out advantage (module docstring)."""
        a1, a0, b1, b0 = self._category_sums(w)
        if min(a1.sum(), a0.sum(), b1.sum(), b0.sum()) <= 0:
            return float("nan")
        d = np.cumsum(a1[::-1])[::-1] / a1.sum() - np.cumsum(a0[::-1])[::-1] / a0.sum()
        if np.max(d) <= 0:
            return 0.0
        k = int(np.flatnonzero(d == np.max(d))[-1])  # the largest threshold at the maximum
        return float(np.sum(b1[k:]) / b1.sum() - np.sum(b0[k:]) / b0.sum())

    def tpr_at_fpr(self, fpr: float, w: np.ndarray | None = None) -> tuple[float, float]:
        """Held-out ``(TPR, realised FPR)`` at target ``fpr`` (module docstring)."""
        a1, a0, b1, b0 = self._category_sums(w)
        if min(a1.sum(), a0.sum(), b1.sum(), b0.sum()) <= 0:
            return float("nan"), float("nan")
        fpr_a = np.cumsum(a0[::-1]) / a0.sum()
        last = np.searchsorted(fpr_a, fpr + 1e-12, side="right")  # points with FPR <= fpr
        if last == 0:
            return 0.0, 0.0
        tpr_a = np.cumsum(a1[::-1][:last])
        if tpr_a[-1] <= 0:
            return 0.0, 0.0  # the +inf threshold: nobody is called a member
        j = int(np.argmax(tpr_a))  # TPR is non-decreasing: the first point at the maximum
        return float(np.sum(b1[::-1][:j + 1]) / b1.sum()), float(np.sum(b0[::-1][:j + 1])
                                                                 / b0.sum())


class _Sorted(NamedTuple):
    """Pairs in ascending score order, as device arrays of one length ``P`` (so every attack
    and release of a study shares one compiled program): model and example of each pair, its
    category (member / choosing half) and the first and last sorted position of its tie
    block."""

    model: jax.Array
    example: jax.Array
    member: jax.Array
    choose: jax.Array
    start: jax.Array
    end: jax.Array


def _sorted_pairs(st: StackedScores) -> _Sorted:
    order = np.argsort(st.flat_scores, kind="stable")
    s = st.flat_scores[order]
    new = np.r_[True, s[1:] != s[:-1]]
    start = np.maximum.accumulate(np.where(new, np.arange(s.size), 0))
    last = np.r_[new[1:], True]
    end = np.minimum.accumulate(np.where(last, np.arange(s.size), s.size)[::-1])[::-1]
    num_examples = st.shape[1]
    pair = st.pairs[order]
    return _Sorted(jnp.asarray(pair // num_examples), jnp.asarray(pair % num_examples),
                   jnp.asarray(st.member[order]), jnp.asarray(st.choose[order]),
                   jnp.asarray(start), jnp.asarray(end))


def _above(cum, sp: _Sorted):
    """Weight at or above each pair's block (the rule ``score >= its score``)."""
    before = jnp.where(sp.start > 0, cum[jnp.maximum(sp.start - 1, 0)], 0.0)
    return cum[-1] - before


@partial(jax.jit, static_argnames="fprs")
def _replicate_stats(a, c, sp: _Sorted, fprs: tuple[float, ...]) -> jax.Array:
    """``[B, 3 + 2·len(fprs)]``: AUC, advantage, (TPR, realised FPR) per target FPR, then
    the held-out advantage,
    for each resample's model counts ``a [B, M]`` and example counts ``c [B, n]``."""

    def one(ac):
        a1, c1 = ac
        w = a1[sp.model] * c1[sp.example]
        cats = [w * (sp.member & sp.choose), w * (~sp.member & sp.choose),
                w * (sp.member & ~sp.choose), w * (~sp.member & ~sp.choose)]
        cum = [jnp.cumsum(x) for x in cats]
        tot = [x[-1] for x in cum]
        w1 = cats[0] + cats[2]
        cum0 = cum[1] + cum[3]
        below0 = jnp.where(sp.start > 0, cum0[jnp.maximum(sp.start - 1, 0)], 0.0)
        tie0 = cum0[sp.end] - below0
        n1, n0 = tot[0] + tot[2], tot[1] + tot[3]
        auc = jnp.sum(w1 * (below0 + 0.5 * tie0)) / (n1 * n0)
        above = [_above(x, sp) for x in cum]
        adv = jnp.maximum(jnp.max((above[0] + above[2]) / n1 - (above[1] + above[3]) / n0), 0.0)
        out = [auc, adv]
        tpr_a, fpr_a = above[0] / tot[0], above[1] / tot[1]
        for f in fprs:
            valid = fpr_a <= f + 1e-6
            best = jnp.max(jnp.where(valid, tpr_a, -1.0))
            pick = jnp.argmax(jnp.where(valid & (tpr_a >= best), sp.start, -1))
            none = best <= 0
            out += [jnp.where(none, 0.0, above[2][pick] / tot[2]),
                    jnp.where(none, 0.0, above[3][pick] / tot[3])]
        d = tpr_a - fpr_a
        top = jnp.max(d)
        pick = jnp.argmax(jnp.where(d >= top, sp.start, -1))
        out.append(jnp.where(top <= 0, 0.0, above[2][pick] / tot[2] - above[3][pick] / tot[3]))
        return jnp.stack(out)

    return jax.lax.map(one, (a, c), batch_size=8)


def pair_weights(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``[M, n]`` weights ``a_m c_i`` of one resample."""
    return np.outer(a, c)


class RateAtFpr(NamedTuple):
    """A held-out TPR at a target FPR, with what it can resolve.

    Attributes:
        target: the FPR aimed at.
        tpr: held-out TPR with its two-way bootstrap interval; ``nan`` when not resolvable.
        fpr: the realised FPR of the chosen threshold on the evaluation half, with interval.
        min_fpr: ``1 / non-members of the choosing half``: smaller targets are not resolvable.
    """

    target: float
    tpr: Estimate
    fpr: Estimate
    min_fpr: float

    @property
    def resolvable(self) -> bool:
        """Whether ``target >= min_fpr``."""
        return self.target >= self.min_fpr - 1e-15


class CrossedMetrics(NamedTuple):
    """An attack's metrics on stacked scores with two-way bootstrap replicates kept for paired
    comparisons (same seed, models and examples → same resamples).

    Attributes:
        attack: name.
        auc, advantage: :class:`Replicates`.
        held_out_advantage: :class:`Replicates` of the held-out advantage.
        rates: ``fpr -> (tpr Replicates, realised-fpr Replicates)``.
        min_fpr: see :class:`RateAtFpr`.
        sizes: ``{"models": M, "examples": n, "resamples": B}``.
    """

    attack: str
    auc: Replicates
    advantage: Replicates
    rates: dict
    min_fpr: float
    sizes: dict
    held_out_advantage: Replicates | None = None

    def rate(self, fpr: float, confidence: float = 0.95) -> RateAtFpr:
        """The :class:`RateAtFpr` at ``fpr`` (intervals at ``confidence``)."""
        tpr, realised = self.rates[fpr]
        nan = Estimate(float("nan"), float("nan"), float("nan"))
        ok = fpr >= self.min_fpr - 1e-15
        return RateAtFpr(fpr, tpr.interval(confidence) if ok else nan,
                         realised.interval(confidence) if ok else nan, self.min_fpr)


def crossed_metrics(name: str, scores: ArrayLike, mask: ArrayLike, *,
                    fprs: tuple[float, ...] = (0.001, 0.01),
                    num_bootstrap: int = NUM_BOOTSTRAP, seed: int = SEED,
                    valid: ArrayLike | None = None) -> CrossedMetrics:
    """AUC, advantage and held-out TPR / realised FPR at each of ``fprs`` of stacked scores
    ``[M, n]`` against ``mask``, each with ``num_bootstrap`` two-way resamples of models and
    examples (module docstring). A 1-D score vector is one model. ``valid``: the pairs in the
    sample (:class:`StackedScores`); the resamples depend only on ``(M, n)``, so two groups
    of the same table are paired too."""
    st = StackedScores(scores, mask, valid)
    num_models, num_examples = st.shape
    a, c = crossed_counts(num_models, num_examples, num_bootstrap, seed)
    sp = _sorted_pairs(st)
    # counts scaled to mean 1 keep float32 sums well inside its range
    reps = np.asarray(_replicate_stats(jnp.asarray(a / a.mean(1, keepdims=True), jnp.float32),
                                       jnp.asarray(c / c.mean(1, keepdims=True), jnp.float32),
                                       sp, tuple(float(f) for f in fprs)), np.float64)
    rates = {}
    for k, f in enumerate(fprs):
        tpr, fpr = st.tpr_at_fpr(f)
        rates[f] = (Replicates(tpr, reps[:, 2 + 2 * k]), Replicates(fpr, reps[:, 3 + 2 * k]))
    return CrossedMetrics(name, Replicates(st.auc(), reps[:, 0]),
                          Replicates(st.advantage(), reps[:, 1]), rates, st.min_fpr,
                          {"models": num_models, "examples": num_examples,
                           "resamples": num_bootstrap,
                           "positives": int(st.member.sum()),
                           "negatives": int((~st.member).sum())},
                          Replicates(st.held_out_advantage(), reps[:, -1]))


def crossed_mean(table: ArrayLike, *, num_bootstrap: int = NUM_BOOTSTRAP,
                 seed: int = SEED) -> Replicates:
    """The mean of a ``[M, n]`` table (e.g. 0/1 correctness of ``M`` models on ``n`` shared
    test examples) with two-way resamples of models and examples (the same resamples as
    :func:`crossed_metrics` for the same seed and shapes)."""
    x = np.asarray(table, np.float64)
    if x.ndim == 1:
        x = x[None, :]
    a, c = crossed_counts(x.shape[0], x.shape[1], num_bootstrap, seed)
    reps = np.einsum("bm,mn,bn->b", a, x, c) / (a.sum(1) * c.sum(1))
    return Replicates(float(x.mean()), reps)
