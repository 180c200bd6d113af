"""The study of ``mis estimate``: Δ estimated from samples where it is known exactly, and for
generative models trained on digits (device training, host estimates).

Three parts (keys: ``convergence, coverage, generative = split(key, 3)``):

1. **Convergence**: on the Gaussian mean and the discrete model (:mod:`mis.estimate._known`)
   every estimator at growing sample sizes beside the exact Δ of :mod:`theory`, and once
   with members outnumbered ``imbalance : 1`` by non-members (the advantage is prior-free,
   the classifier's accuracy is not).
2. **Coverage**: ``coverage_draws`` independent samples of the Gaussian mean at each of
   :func:`coverage_cells` (the two smallest balanced sizes and the smallest with members
   outnumbered ``imbalance : 1``): how often each interval covers the exact Δ, and how often
   its lower end exceeds it (reported as measured: the k-NN interval covers the
   classifier's own advantage, which is below Δ at small sizes).
3. **Generative models** on the digits: members are the first ``train_size`` images of a
   permutation (seed ``seed``) of the training split, non-members the 597 test digits. A VAE
   per training size (vmapped) is queried after each number of ``epochs`` (full-batch Adam
   steps): −ELBO, reconstruction error, distance to the nearest of ``num_generated``
   generated images (black box), and the three as one vector query; Gaussian mixtures of
   each size in ``components`` are queried by −log-likelihood; a DP-SGD VAE at the largest
   size (one per σ of ``dp_sigmas``, ``dp_steps`` steps) gives Δ̂ and its implied ε lower
   bound beside the accountant's ε. The k-NN decisions on the vector query are kept, so
   trends are decided by paired bootstrap differences. The individual risk of the most
   overfit VAE's members (vector query), with its permutation null, closes the study.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from mis.data import load_digits
from mis.estimate._config import EstimateConfig
from mis.estimate._known import discrete_queries, gaussian_mean_queries
from mis.generative import VAELearner, fit_gmm, gmm_log_prob
from mis.progress import ProgressFn, report
from mis.shadow import DPSGD, dp_epsilon
from mis.tv import (
    RiskNull,
    cross_fit_predictions,
    estimate_all,
    implied_epsilon,
    knn_risk,
    risk_null,
)
from theory import Estimate, discrete_delta, gaussian_mean_delta

QUERIES = ("neg_elbo", "recon", "nn_dist", "vector")


class ConvergenceRow(NamedTuple):
    """One estimator on one sample of a model with known Δ (``exact``, with ``exact_se`` its
    Monte Carlo standard error; 0 when closed-form). ``accuracy``: the accuracy of the plain
    (majority-vote, sample priors) cross-fitted k-NN classifier on this sample, the metric
    that moves with the member share (NaN for the other estimators)."""

    model: str
    exact: float
    exact_se: float
    num_members: int
    num_nonmembers: int
    estimator: str
    estimate: Estimate
    accuracy: float


class CoverageRow(NamedTuple):
    """How often ``estimator``'s interval covered the exact Δ over ``draws`` samples of
    ``num_members`` members and ``num_nonmembers`` non-members, and how often its lower end
    exceeded Δ."""

    model: str
    num_members: int
    estimator: str
    draws: int
    covered: float
    lower_above: float
    mean_value: float
    num_nonmembers: int = 0


class GenerativeRow(NamedTuple):
    """Δ̂ of one query of one trained generative model. ``knob`` is ``"epochs"`` (VAE),
    ``"components"`` (mixture) or ``"sigma"`` (DP-SGD VAE after ``dp_steps``).
    ``epsilon_lower``: the ε that the interval's lower end certifies (δ of the config);
    ``epsilon_accountant``: the DP-SGD accountant's ε (NaN without DP)."""

    model: str
    train_size: int
    knob: str
    knob_value: float
    query: str
    estimator: str
    estimate: Estimate
    epsilon_lower: float
    epsilon_accountant: float
    decisions: np.ndarray | None = None  # k-NN, vector query: members first


class RiskResult(NamedTuple):
    """Individual risk of each member of the most overfit VAE (``train_size``, ``epochs``),
    the member images ``[n, 8, 8]``, and the permutation null of the top-``null.top`` mean."""

    train_size: int
    epochs: int
    risk: np.ndarray
    images: np.ndarray
    null: RiskNull | None = None


RISK_TOP, RISK_PERMUTATIONS = 10, 100


class EstimateResult(NamedTuple):
    config: EstimateConfig
    convergence: list[ConvergenceRow]
    coverage: list[CoverageRow]
    generative: list[GenerativeRow]
    risk: RiskResult
    seconds: dict


def _kw(config: EstimateConfig) -> dict:
    return dict(k=config.k or None, folds=config.folds, confidence=config.confidence)


def known_models(config: EstimateConfig, key: jax.Array) -> dict:
    """``name -> (exact Δ, its MC standard error, sampler(key, n_in, n_out))``."""
    probs = np.arange(1, config.discrete_values + 1, dtype=np.float64)
    probs /= probs.sum()
    n, d = config.gaussian_n, config.gaussian_d
    gm = gaussian_mean_delta(key, n, d, num_samples=400_000)
    with jax.enable_x64(True):
        disc = float(discrete_delta(probs, config.discrete_n))
    return {
        f"gaussian-mean(n={n},d={d})": (
            float(gm.value), float(gm.value - gm.lower) / 1.96,
            lambda k, a, b: gaussian_mean_queries(k, n, d, a, b)),
        f"discrete(n={config.discrete_n},K={config.discrete_values})": (
            disc, 0.0, lambda k, a, b: discrete_queries(k, probs, config.discrete_n, a, b)),
    }


def _rows(model, exact, se, member, nonmember, config, seed) -> list[ConvergenceRow]:
    member, nonmember = np.asarray(member), np.asarray(nonmember)
    estimates = estimate_all(member, nonmember, seed=seed, **_kw(config))
    decided = cross_fit_predictions(member, nonmember, k=config.k or None, folds=config.folds,
                                    seed=seed, balanced=False)
    accuracy = (np.sum(decided[:len(member)]) + np.sum(~decided[len(member):])) / len(decided)
    return [ConvergenceRow(model, exact, se, len(member), len(nonmember), name, est,
                           float(accuracy) if name == "knn" else float("nan"))
            for name, est in estimates.items()]


def run_convergence(config: EstimateConfig, key: jax.Array, models: dict, *,
                    progress: ProgressFn | None = None) -> list[ConvergenceRow]:
    """Part 1 (module docstring); draw ``j`` of model ``i`` uses ``fold_in(fold_in(key, i),
    j)``, the imbalanced draw ``j = len(sample_sizes)``."""
    rows = []
    sizes = config.sample_sizes
    total = len(models) * (len(sizes) + 1)
    report(progress, "convergence samples", 0, total)
    for i, (model, (exact, se, draw)) in enumerate(models.items()):
        mk = jax.random.fold_in(key, i)
        for j, m in enumerate(sizes):
            member, nonmember = draw(jax.random.fold_in(mk, j), m, m)
            rows += _rows(model, exact, se, member, nonmember, config, j)
            report(progress, "convergence samples", len(rows) // 3, total)
        few = max(sizes[-1] // config.imbalance, config.folds)
        member, nonmember = draw(jax.random.fold_in(mk, len(sizes)), few, sizes[-1])
        rows += _rows(model, exact, se, member, nonmember, config, len(sizes))
        report(progress, "convergence samples", len(rows) // 3, total)
    return rows


def coverage_cells(config: EstimateConfig) -> list[tuple[int, int]]:
    """``(members, non-members)`` of the coverage check: the two smallest balanced sizes and
    the smallest size with ``imbalance`` non-members per member."""
    s = config.sample_sizes
    cells = [(m, m) for m in s[:2]]
    if config.imbalance > 1:
        cells.append((s[0], s[0] * config.imbalance))
    return list(dict.fromkeys(cells))


def run_coverage(config: EstimateConfig, key: jax.Array, models: dict, *,
                 progress: ProgressFn | None = None) -> list[CoverageRow]:
    """Part 2 on the first model (the Gaussian mean), ``coverage_draws`` draws at each of
    :func:`coverage_cells`; draw ``j`` of cell ``c`` uses ``fold_in(fold_in(key, c), j)`` and
    seeds its folds with ``j``."""
    if config.coverage_draws == 0:
        return []
    model, (exact, _, draw) = next(iter(models.items()))
    cells = coverage_cells(config)
    rows, total = [], len(cells) * config.coverage_draws
    for c, (m, o) in enumerate(cells):
        hits: dict[str, list] = {}
        for j in range(config.coverage_draws):
            member, nonmember = draw(jax.random.fold_in(jax.random.fold_in(key, c), j), m, o)
            for name, est in estimate_all(np.asarray(member), np.asarray(nonmember), seed=j,
                                          **_kw(config)).items():
                hits.setdefault(name, []).append(
                    (est.lower <= exact <= est.upper, est.lower > exact, est.value))
            report(progress, "coverage draws", c * config.coverage_draws + j + 1, total)
        rows += [CoverageRow(model, m, name, len(h), float(np.mean([x for x, _, _ in h])),
                             float(np.mean([a for _, a, _ in h])),
                             float(np.mean([v for *_, v in h])), o)
                 for name, h in hits.items()]
    return rows


class DigitsSplit(NamedTuple):
    """All digits (train split first, ``[n, 64]``), the training permutation, and where the
    non-members (the test split) start."""

    x: jax.Array
    order: np.ndarray
    test_start: int


def digits_split(seed: int) -> DigitsSplit:
    """Training digits in the order of ``default_rng(seed).permutation``, then the test
    digits; a training size ``n`` takes the first ``n`` rows as members."""
    train, test = load_digits("train"), load_digits("test")
    order = np.random.default_rng(seed).permutation(len(train.x))
    x = jnp.concatenate([train.x[order], test.x]).reshape(-1, 64)
    return DigitsSplit(x, order, len(train.x))


def _queries(learner: VAELearner, params, x, eps, generated) -> dict[str, np.ndarray]:
    """``query -> [n(, 3)]`` for one VAE: −ELBO, reconstruction error, nearest generated."""
    neg_elbo = learner.neg_elbo(params, x, eps)
    recon = learner.reconstruction_error(params, x)
    sq = (jnp.sum(x**2, 1)[:, None] - 2 * x @ generated.T + jnp.sum(generated**2, 1)[None])
    nn_dist = jnp.sqrt(jnp.maximum(jnp.min(sq, axis=1), 0.0))
    out = {"neg_elbo": neg_elbo, "recon": recon, "nn_dist": nn_dist}
    return {k: np.asarray(v, np.float64) for k, v in out.items()} | {
        "vector": np.stack([np.asarray(v, np.float64) for v in out.values()], axis=1)}


def _generative_rows(model, size, knob, value, queries, split, config, seed,
                     accountant=float("nan")) -> list[GenerativeRow]:
    rows = []
    members = slice(0, size)
    nonmembers = slice(split.test_start, None)
    for query, q in queries.items():
        decided = None
        if query == "vector":  # the same folds and seed as the k-NN estimate: its decisions
            decided = cross_fit_predictions(q[members], q[nonmembers], k=config.k or None,
                                            folds=config.folds, seed=seed)
        for name, est in estimate_all(q[members], q[nonmembers], seed=seed,
                                      **_kw(config)).items():
            rows.append(GenerativeRow(model, size, knob, value, query, name, est,
                                      implied_epsilon(est.lower, config.delta), accountant,
                                      decided if name == "knn" else None))
    return rows


@functools.partial(jax.jit, static_argnums=(0, 5))
def _train_runs(learner: VAELearner, key, params, state, x, steps: int, weights):
    """``steps`` more steps of every run (leading axis of ``params``, ``state``, ``weights``)
    with the same key."""
    return jax.vmap(lambda p, s, w: learner.train(key, p, s, x, w, steps))(params, state,
                                                                          weights)


def train_vaes(key: jax.Array, split: DigitsSplit, learner: VAELearner, sizes: Sequence[int],
               checkpoints: Sequence[int], *, progress: ProgressFn | None = None,
               stage: str = "VAE steps") -> Iterator[tuple[int, Any]]:
    """Yields ``(checkpoint, params)`` with one VAE per training size (leading axis),
    trained together (vmapped over the membership weights) up to each checkpoint (total
    steps). Keys: ``init, train = split(key)``, the segment ending at checkpoint ``c`` uses
    ``fold_in(train, c)``; every run shares them (only the members differ)."""
    init_key, train_key = jax.random.split(key)
    weights = jnp.stack([(jnp.arange(split.x.shape[0]) < n).astype(jnp.float32)
                         for n in sizes])
    params = jax.vmap(lambda _: learner.init(init_key, split.x.shape[1]))(
        jnp.arange(len(sizes)))
    state = jax.vmap(optax.adam(learner.learning_rate).init)(params)
    done = 0
    report(progress, stage, 0, checkpoints[-1])
    for c in checkpoints:
        params, state = _train_runs(learner, jax.random.fold_in(train_key, c), params, state,
                                    split.x, c - done, weights)
        done = c
        report(progress, stage, done, checkpoints[-1])
        yield c, params


def run_generative(config: EstimateConfig, key: jax.Array, seed: int, *,
                   progress: ProgressFn | None = None) -> tuple[list, RiskResult]:
    """Part 3 (module docstring). Keys: ``vae, query, dp, gmm = split(key, 4)``."""
    vae_key, query_key, dp_key, gmm_key = jax.random.split(key, 4)
    split = digits_split(seed)
    eps_key, gen_key = jax.random.split(query_key)
    eps = jax.random.normal(eps_key, (split.x.shape[0], config.elbo_samples, config.latent))
    learner = VAELearner(hidden=config.hidden, latent=config.latent,
                         learning_rate=config.learning_rate)
    rows: list = []
    risk: RiskResult | None = None
    sizes = config.train_sizes
    for epochs, params in train_vaes(vae_key, split, learner, sizes, config.epochs,
                                     progress=progress, stage="VAE steps"):
        for i, n in enumerate(sizes):
            p = jax.tree.map(lambda a, i=i: a[i], params)
            q = _queries(learner, p, split.x, eps,
                         learner.sample(p, gen_key, config.num_generated))
            rows += _generative_rows("vae", n, "epochs", epochs, q, split, config, seed)
            if i == len(sizes) - 1 and epochs == config.epochs[-1]:
                member_q, out_q = q["vector"][:n], q["vector"][split.test_start:]
                risk = RiskResult(n, epochs, knn_risk(member_q, out_q, k=config.k or None,
                                                      seed=seed),
                                  np.asarray(split.x[:n]).reshape(-1, 8, 8),
                                  risk_null(member_q, out_q, top=min(RISK_TOP, n),
                                            permutations=RISK_PERMUTATIONS,
                                            k=config.k or None, seed=seed))
    for sigma in config.dp_sigmas:
        dp = DPSGD(config.dp_clip, sigma, config.dp_sample_rate)
        dp_learner = VAELearner(hidden=config.hidden, latent=config.latent,
                                learning_rate=config.learning_rate, dp=dp)
        accountant = dp_epsilon(sigma, config.dp_sample_rate, config.dp_steps, config.delta)
        for _, params in train_vaes(dp_key, split, dp_learner, sizes[-1:],
                                    (config.dp_steps,), progress=progress,
                                    stage=f"DP-SGD VAE σ={sigma:g} steps"):
            p = jax.tree.map(lambda a: a[0], params)
            q = _queries(dp_learner, p, split.x, eps,
                         dp_learner.sample(p, gen_key, config.num_generated))
            rows += _generative_rows("vae-dp", sizes[-1], "sigma", sigma, q, split, config,
                                     seed, accountant)
    report(progress, "mixtures", 0, len(sizes) * len(config.components))
    for i, n in enumerate(sizes):
        weights = (jnp.arange(split.x.shape[0]) < n).astype(jnp.float32)
        for j, k in enumerate(config.components):
            gmm, _ = fit_gmm(jax.random.fold_in(gmm_key, j), split.x, weights, components=k)
            q = {"neg_log_lik": -np.asarray(gmm_log_prob(gmm, split.x), np.float64)}
            rows += _generative_rows("gmm", n, "components", k, q, split, config, seed)
            report(progress, "mixtures", i * len(config.components) + j + 1,
                   len(sizes) * len(config.components))
    assert risk is not None  # the largest size at the last epoch is always trained
    return rows, risk


def run_estimate(config: EstimateConfig, key: jax.Array, *, seed: int = 0,
                 progress: ProgressFn | None = None) -> EstimateResult:
    """The whole study (module docstring); ``seed`` orders the training digits. The exact
    Gaussian-mean Δ uses ``fold_in(convergence, 2**20)``."""
    conv_key, cov_key, gen_key = jax.random.split(key, 3)
    seconds = {}
    t0 = time.perf_counter()
    models = known_models(config, jax.random.fold_in(conv_key, 1 << 20))
    convergence = run_convergence(config, conv_key, models, progress=progress)
    seconds["convergence"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    coverage = run_coverage(config, cov_key, models, progress=progress)
    seconds["coverage"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    generative, risk = run_generative(config, gen_key, seed, progress=progress)
    seconds["generative"] = time.perf_counter() - t0
    return EstimateResult(config, convergence, coverage, generative, risk, seconds)
