"""``mis compleak``: the original model and all its compressed versions trained for every
shadow model in one engine call, then CompLeak's NR / SR / MR attacks and the multi-version
LiRA, all scored on the same victim rows (host orchestration; the training is on device).

Protocol (METHODS.md §1.1, adapted to many shadow models). Every audit point is IN for half of
the ``num_models`` models (balanced design). The points are split once (seeded) into a shadow
side and a victim side; the first ``num_victims`` models are the victims, the others the
attacker's shadows. Attack models (logistic regression, random forests, class-wise thresholds,
the MR network) are fitted on (shadow model, shadow-side point) rows and scored on (victim,
victim-side point) rows: the points they learn from are disjoint from the points they judge.
Reference-model attacks (LiRA, the multi-version LiRA, RMIA with one reference) use the shadow
models as references on the victim-side points themselves, as LiRA's threat model allows.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike

from mis.attacks import lira_online, logit_scale
from mis.audit import balanced_accuracy
from mis.compleak._compress import CompressedLearner
from mis.compleak._config import CompleakConfig
from mis.compleak._features import (
    class_thresholds,
    entropy_score,
    label_aware,
    modified_entropy_score,
    posterior,
    rmia_one_reference,
    sr_features,
    thresholded,
    true_class,
)
from mis.compleak._models import (
    cross_fitted,
    fit_classifier,
    member_probability,
    mr_scores,
    multi_version_lira,
    network_scores,
    samia_logits,
    samia_tokens,
    train_mr,
    train_samia,
)
from mis.data import REAL_SETS, Dataset, make_gaussian_mixture, sample_gaussian_mixture
from mis.inference import CrossedMetrics, crossed_metrics
from mis.progress import ProgressFn, report
from mis.shadow import ConvLearner, MLPLearner, membership_mask, train_shadow_models
from mis.study import network_learner
from theory import Estimate

NR_ATTACKS = ("nn-lr", "nn-rf", "label-lr", "label-rf", "entropy", "m-entropy", "samia",
              "rmia-1ref", "lira")
SR_ATTACKS = ("sr1-lr", "sr1-rf", "sr2-lr", "sr2-rf")


class AttackRow(NamedTuple):
    """One attack on one set of versions: ``kind`` NR / SR / MR / MV-LiRA, the versions it
    sees (``original`` and version specs), its scores on the victim rows and metrics.

    Attributes:
        auc: AUC with its two-way (victim models × victim points) bootstrap interval.
        tpr: ``fpr -> Estimate``: held-out TPR with its two-way interval; ``nan`` when the
            target is below ``metrics.min_fpr`` (not resolvable).
        balanced_accuracy: ½(TPR + TNR) at the best threshold chosen on the victim rows
            themselves (in-sample, an upper bound of what a fixed rule achieves).
        rule_accuracy: ½(TPR + TNR) of the attack's own decision rule ("member iff
            P(member) ≥ ½" for the attack models, "score ≥ class threshold" for entropy and
            modified entropy); ``nan`` for LiRA / RMIA, whose threshold is a free choice.
        metrics: the two-way bootstrap replicates (same resamples for every row: paired).
    """

    kind: str
    attack: str
    versions: tuple[str, ...]
    auc: Estimate
    tpr: dict
    balanced_accuracy: float
    scores: np.ndarray
    rule_accuracy: float = float("nan")
    metrics: CrossedMetrics | None = None


class VersionUtility(NamedTuple):
    version: str
    test_accuracy: float
    train_accuracy: float


class CompleakResult(NamedTuple):
    config: CompleakConfig
    rows: list[AttackRow]
    utility: list[VersionUtility]
    victim_member: np.ndarray
    mr_epochs: dict  # MR variant -> kept epoch
    seconds: dict


class Sides(NamedTuple):
    """Row indices: shadow models × shadow-side points, victims × victim-side points."""

    shadow_models: np.ndarray
    victim_models: np.ndarray
    shadow_points: np.ndarray
    victim_points: np.ndarray


def study_data(config: CompleakConfig, key: jax.Array) -> tuple[Dataset, Dataset]:
    """``(pool, test)``: the first ``pool_size`` training rows of a shipped set (digits,
    fashion-mnist, adult) and its test split; the first
    ``pool_size`` training molecules of ``molecules`` and its test split (features
    standardised with training statistics); or draws of a 2-class Gaussian mixture in R^d
    (1000 test draws). Keys: ``task, pool, test = split(key, 3)``."""
    task_key, pool_key, test_key = jax.random.split(key, 3)
    if config.dataset == "molecular":
        from mis.data import cached_features, load_dataset, standardize

        ds = load_dataset(config.molecules)
        feats, _ = cached_features(ds, config.embedder, cache_dir=config.cache_dir or None)
        x_train, x_test = standardize(feats[ds.is_train], feats[~ds.is_train])
        y_train, y_test = ds.y[ds.is_train], ds.y[~ds.is_train]
        return (Dataset(jnp.asarray(x_train[:config.pool_size]),
                        jnp.asarray(y_train[:config.pool_size], jnp.int32)),
                Dataset(jnp.asarray(x_test), jnp.asarray(y_test, jnp.int32)))
    if config.dataset in REAL_SETS:
        real = REAL_SETS[config.dataset]
        train = real.load("train")
        return Dataset(train.x[:config.pool_size], train.y[:config.pool_size]), \
            real.load("test")
    task = make_gaussian_mixture(task_key, d=config.d, k_modes=4)
    return (sample_gaussian_mixture(pool_key, config.pool_size, task=task),
            sample_gaussian_mixture(test_key, 1000, task=task))


def base_learner(config: CompleakConfig) -> ConvLearner | MLPLearner:
    """The original model's network (:func:`mis.study.network_learner`; the MLP head on
    molecular features)."""
    return network_learner(config.dataset, num_outputs=config.num_classes, steps=config.steps,
                           learning_rate=config.learning_rate, channels=config.channels,
                           hidden=config.hidden)


def compressed_learner(config: CompleakConfig, holdout: int = 0) -> CompressedLearner:
    return CompressedLearner(base_learner(config), config.parsed_versions(),
                             fine_tune_steps=config.fine_tune_steps,
                             fine_tune_learning_rate=config.fine_tune_learning_rate,
                             holdout=holdout)


def train_versions(config: CompleakConfig, key: jax.Array, pool: Dataset, test: Dataset, *,
                   progress: ProgressFn | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(logits, sensitivity, mask)``: every model's original and versions on the pool then
    the test set (``[M, V+1, n + n_test, C]`` each; the test points are never trained on) and
    the membership ``[M, n]``. Keys: ``mask, fit = split(key)``."""
    mask_key, fit_key = jax.random.split(key)
    n = pool.x.shape[0]
    mask = membership_mask(mask_key, config.num_models, n)
    full_mask = jnp.concatenate([mask, jnp.zeros((config.num_models, test.x.shape[0]))], 1)
    joined = Dataset(jnp.concatenate([pool.x, test.x]), jnp.concatenate([pool.y, test.y]))
    learner = compressed_learner(config, holdout=test.x.shape[0])
    res = train_shadow_models(fit_key, joined, learner=learner,
                              num_models=config.num_models, mask=full_mask, return_aux=True,
                              return_params=False, progress=progress)
    return np.asarray(res.aux.logits), np.asarray(res.aux.sensitivity), np.asarray(mask, bool)


def sides(config: CompleakConfig, n: int, seed_key: jax.Array) -> Sides:
    order = np.asarray(jax.random.permutation(seed_key, n))
    models = np.arange(config.num_models)
    return Sides(models[config.num_victims:], models[:config.num_victims],
                 np.sort(order[: n // 2]), np.sort(order[n // 2:]))


def _rows(a, models, points):
    """``a[models][:, points]`` flattened to rows (model-major)."""
    return a[np.ix_(models, points)].reshape(len(models) * len(points), *a.shape[2:])


def _subsample(n: int, cap: int, seed: int) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).permutation(n)[:cap]) if n > cap \
        else np.arange(n)


RULE_THRESHOLD = 0.5  # the attack models' decision: member iff P(member) >= 1/2
NO_RULE = ("lira", "rmia-1ref")  # thresholds chosen by the user, no fixed decision


def rule_accuracy(decision: ArrayLike, member: ArrayLike) -> float:
    """½(TPR + TNR) of a fixed decision ``[N]`` bool against ``member``."""
    d, m = np.asarray(decision, bool), np.asarray(member, bool)
    return float(0.5 * (d[m].mean() + (~d[~m]).mean()))


def metric_row(kind: str, attack: str, versions: Sequence[str], scores: ArrayLike,
               member: ArrayLike, config: CompleakConfig, *, num_victims: int,
               decision: ArrayLike | None = None) -> AttackRow:
    """The row of one attack on the victim rows (victim-model-major, ``num_victims`` blocks):
    AUC and TPRs from :func:`mis.inference.crossed_metrics`, so intervals resample victims and
    points together. ``decision``: the attack's own member / non-member call (default: an
    attack model's ``P(member) ≥ ½``, none for LiRA-like scores)."""
    scores = np.asarray(scores, np.float64)
    grid = scores.reshape(num_victims, -1)
    cm = crossed_metrics(attack, grid, np.asarray(member).reshape(num_victims, -1),
                         fprs=config.fprs, num_bootstrap=config.num_bootstrap)
    conf = config.confidence
    if decision is None and not (attack in NO_RULE or attack.startswith("mv-lira")):
        decision = scores >= RULE_THRESHOLD
    rule = rule_accuracy(decision, member) if decision is not None else float("nan")
    return AttackRow(kind, attack, tuple(versions), cm.auc.interval(conf),
                     {f: cm.rate(f, conf).tpr for f in config.fprs},
                     balanced_accuracy(scores, member), scores, rule, cm)


class AttackData:
    """Every attack of the study on ``logits [M, V+1, n, C]`` (row 0 the original) of models
    with membership ``mask [M, n]``, labels ``y [n]`` and the shadow / victim split ``side``:
    ``nr(v)``, ``sr(v)``, ``mr(versions, with_original, key)``, ``lira(versions,
    covariance)`` return victim-row scores (``v_member`` the truth); ``seed`` seeds the
    attack models."""

    def __init__(self, config: CompleakConfig, logits: np.ndarray, mask: np.ndarray,
                 y: ArrayLike, side: Sides, seed: int,
                 sensitivity: np.ndarray | None = None) -> None:
        self.config, self.side, self.seed = config, side, seed
        self.sensitivity = sensitivity
        self.decisions: dict = {}  # (attack, version) -> a fixed decision other than P >= 1/2
        self.names = ["original"] + [v for v in config.versions]
        self.p = posterior(logits)  # [M, V+1, n, C]
        self.y = np.asarray(y)
        self.mask = mask
        self.sy = np.tile(self.y[side.shadow_points], len(side.shadow_models))
        self.vy = np.tile(self.y[side.victim_points], len(side.victim_models))
        self.s_member = _rows(mask, side.shadow_models, side.shadow_points)
        self.v_member = _rows(mask, side.victim_models, side.victim_points)
        self.keep = _subsample(self.s_member.size, config.max_shadow_rows, seed)
        self.phi = np.asarray(logit_scale(logits, self.y[None, None, :]))  # [M, V+1, n]
        self.loss = -np.log(np.maximum(true_class(self.p, self.y[None, None, :]), 1e-30))

    def version_rows(self, v: int) -> tuple[np.ndarray, np.ndarray]:
        """Posteriors ``(shadow rows, victim rows)`` of version ``v`` (0 = original)."""
        s = _rows(self.p[:, v], self.side.shadow_models, self.side.shadow_points)
        t = _rows(self.p[:, v], self.side.victim_models, self.side.victim_points)
        return s, t

    def classify(self, kind: str, x_shadow: np.ndarray, x_victim: np.ndarray,
                 offset: int) -> np.ndarray:
        k = self.keep
        model = fit_classifier(kind, x_shadow[k], self.s_member[k], seed=self.seed + offset,
                               trees=self.config.trees)
        return member_probability(model, x_victim)

    def nr(self, v: int) -> dict[str, np.ndarray]:
        s, t = self.version_rows(v)
        out = {"nn-lr": self.classify("lr", s, t, v), "nn-rf": self.classify("rf", s, t, v)}
        sl, tl = label_aware(s, self.sy), label_aware(t, self.vy)
        out["label-lr"] = self.classify("lr", sl, tl, v)
        out["label-rf"] = self.classify("rf", sl, tl, v)
        c = self.config.num_classes
        for name, fn in (("entropy", lambda p, y: entropy_score(p)),
                         ("m-entropy", modified_entropy_score)):
            t_c = class_thresholds(fn(s, self.sy), self.sy, self.s_member, c)
            raw = fn(t, self.vy)
            # the ROC of the raw score (as CompLeak computes it); the class-wise
            # thresholds give the attack's decision
            out[name] = raw
            self.decisions[(name, v)] = thresholded(raw, self.vy, t_c) >= 0
        if self.sensitivity is not None:
            out["samia"] = self.samia(v)
        out["rmia-1ref"] = self.rmia(v)
        out["lira"] = self.lira([v])
        return out

    def samia(self, v: int) -> np.ndarray:
        """SAMIA: a Transformer on per-class tokens ``(p_c, s_c, e_y,c)`` (its epoch chosen on
        held-out shadow rows)."""
        if self.sensitivity is None:
            raise ValueError("SAMIA needs the sensitivity vectors (sensitivity=None was given)")
        s, t = self.version_rows(v)
        side = self.side
        ss = _rows(self.sensitivity[:, v], side.shadow_models, side.shadow_points)
        ts = _rows(self.sensitivity[:, v], side.victim_models, side.victim_points)
        k = self.keep
        net = train_samia(jax.random.key(self.seed + 400 + v),
                          samia_tokens(s[k], ss[k], self.sy[k]), self.s_member[k],
                          epochs=self.config.samia_epochs)
        return network_scores(net, samia_logits, samia_tokens(t, ts, self.vy))

    def rmia(self, v: int) -> np.ndarray:
        """CompLeak's RMIA with one reference per example: the first shadow model that did not
        train on it; the population is the shadow-side points."""
        side, py = self.side, true_class(self.p[:, v], self.y[None, :])  # [M, n]
        shadows = side.shadow_models
        out_mask = ~self.mask[shadows]  # [S, n]
        first = shadows[np.argmax(out_mask, axis=0)]  # first OUT shadow per point
        n_idx = np.arange(py.shape[1])
        ref = py[first, n_idx]
        scores = []
        for m in side.victim_models:
            z = side.shadow_points
            scores.append(rmia_one_reference(py[m, side.victim_points],
                                             ref[side.victim_points], py[m, z], ref[z]))
        return np.concatenate(scores)

    def lira(self, versions: list[int], covariance: str = "diag") -> np.ndarray:
        """Online LiRA on the chosen versions' logit-scaled confidences, the shadow models as
        references: the project's ``mis.attacks.lira_online`` for one version, the
        multi-version Gaussian otherwise."""
        side = self.side
        pts = side.victim_points
        refs = self.phi[side.shadow_models][:, versions][:, :, pts]  # [S, K, n_v]
        ref_in = self.mask[np.ix_(side.shadow_models, pts)]
        out = []
        for m in side.victim_models:
            target = self.phi[m, versions][:, pts]  # [K, n_v]
            if len(versions) == 1 and covariance == "diag":
                s = lira_online(target[0], refs[:, 0], ref_in, ~ref_in)
            else:
                s = multi_version_lira(target.T, np.moveaxis(refs, 1, 2), ref_in, ~ref_in,
                                       covariance=covariance)
            out.append(np.asarray(s))
        return np.concatenate(out)

    def sr(self, v: int) -> dict[str, np.ndarray]:
        s0, t0 = self.version_rows(0)
        s, t = self.version_rows(v)
        out = {}
        for name, label in (("sr1", False), ("sr2", True)):
            fs = sr_features(s0, s, self.sy if label else None)
            ft = sr_features(t0, t, self.vy if label else None)
            out[f"{name}-lr"] = self.classify("lr", fs, ft, 100 + v)
            out[f"{name}-rf"] = self.classify("rf", fs, ft, 100 + v)
        return out

    def mr_features(self, versions: list[int], with_original: bool) -> tuple[tuple, tuple]:
        """MR's inputs: per version, the 2-column ``[P(non-member), P(member)]`` of SR2-RF
        (with the original) or of the posterior RF (without), cross-fitted on the shadow side
        and from a model fitted on all shadow rows on the victim side; and the CE losses."""
        k = self.keep
        s0, t0 = self.version_rows(0)
        sp, tp, sl, tl = [], [], [], []
        for v in versions:
            s, t = self.version_rows(v)
            if with_original:
                fs, ft = sr_features(s0, s, self.sy), sr_features(t0, t, self.vy)
            else:
                fs, ft = s, t
            ps = cross_fitted("rf", fs[k], self.s_member[k], seed=self.seed + 200 + v,
                              trees=self.config.trees)
            pt = self.classify("rf", fs, ft, 300 + v)
            sp += [1 - ps, ps]
            tp += [1 - pt, pt]
            sl.append(_rows(self.loss[:, v], self.side.shadow_models,
                            self.side.shadow_points)[k])
            tl.append(_rows(self.loss[:, v], self.side.victim_models, self.side.victim_points))
        return (np.stack(sp, 1), np.stack(sl, 1)), (np.stack(tp, 1), np.stack(tl, 1))

    def mr(self, features: tuple[tuple, tuple], key: jax.Array) -> tuple[np.ndarray, int]:
        """CompLeak_MR's network on :meth:`mr_features` ``features``: victim scores, epoch."""
        (sp, sl), (tp, tl) = features
        model = train_mr(key, sp, sl, self.s_member[self.keep], epochs=self.config.mr_epochs)
        return mr_scores(model, tp, tl), model.epoch

    def mr_logistic(self, features: tuple[tuple, tuple], offset: int) -> np.ndarray:
        """A logistic regression on MR's own inputs (probabilities and losses side by side):
        the floor a trained MR network should reach."""
        (sp, sl), (tp, tl) = features
        model = fit_classifier("lr", np.concatenate([sp, sl], 1), self.s_member[self.keep],
                               seed=self.seed + offset)
        return member_probability(model, np.concatenate([tp, tl], 1))


def utility(config: CompleakConfig, logits: np.ndarray, mask: np.ndarray, y: ArrayLike,
            n: int) -> list[VersionUtility]:
    """Test accuracy (mean over models) and accuracy on the members, per version."""
    names = ["original"] + list(config.versions)
    pred = logits.argmax(-1)  # [M, V+1, N]
    correct = pred == np.asarray(y)[None, None, :]
    test = correct[:, :, n:].mean(axis=(0, 2))
    member = np.stack([(correct[:, v, :n] * mask).sum() / mask.sum()
                       for v in range(len(names))])
    return [VersionUtility(nm, float(a), float(b))
            for nm, a, b in zip(names, test, member, strict=True)]


def run_compleak(config: CompleakConfig, key: jax.Array, *,
                 progress: ProgressFn | None = None) -> CompleakResult:
    """The whole study (module docstring). Keys: ``data, train, sides, mr = split(key, 4)``."""
    data_key, train_key, side_key, mr_key = jax.random.split(key, 4)
    t0 = time.perf_counter()
    seconds = {}
    pool, test = study_data(config, data_key)
    n = pool.x.shape[0]
    logits, sens, mask = train_versions(config, train_key, pool, test, progress=progress)
    seconds["training"] = time.perf_counter() - t0
    y_all = np.concatenate([np.asarray(pool.y), np.asarray(test.y)])
    util = utility(config, logits, mask, y_all, n)
    t = time.perf_counter()
    side = sides(config, n, side_key)
    seed = int(jax.random.randint(side_key, (), 0, 2**30))
    st = AttackData(config, logits[:, :, :n], mask, pool.y, side, seed, sens[:, :, :n])
    member = st.v_member
    nv = len(side.victim_models)
    rows: list[AttackRow] = []
    versions = config.parsed_versions()
    tuned = [i + 1 for i, v in enumerate(versions) if v.fine_tuned]
    total = 2 * len(versions) + 4
    for v in range(len(versions) + 1):
        report(progress, "attacks", v, total)
        for name, s in st.nr(v).items():
            rows.append(metric_row("NR", name, [st.names[v]], s, member, config,
                                   num_victims=nv, decision=st.decisions.get((name, v))))
    for v in range(1, len(versions) + 1):
        report(progress, "attacks", len(versions) + v, total)
        for name, s in st.sr(v).items():
            rows.append(metric_row("SR", name, ["original", st.names[v]], s, member, config,
                                   num_victims=nv))
    epochs = {}
    if tuned:
        report(progress, "attacks", total - 3, total)
        names = [st.names[v] for v in tuned]
        k1, k2 = jax.random.split(mr_key)
        for tag, with_original, k in (("mr", True, k1), ("mr-no-original", False, k2)):
            feats = st.mr_features(tuned, with_original)
            seen = ["original", *names] if with_original else names
            s, epochs[tag] = st.mr(feats, k)
            rows.append(metric_row("MR", tag, seen, s, member, config, num_victims=nv))
            rows.append(metric_row("MR", f"{tag}-lr", seen, st.mr_logistic(feats, 500),
                                   member, config, num_victims=nv))
            report(progress, "attacks", total - (2 if with_original else 1), total)
        cov = config.covariance
        s = st.lira([0, *tuned], covariance=cov)
        rows.append(metric_row("MV-LiRA", f"mv-lira-{cov}", ["original", *names], s, member,
                               config, num_victims=nv))
    report(progress, "attacks", total, total)
    seconds["attacks"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - t0
    return CompleakResult(config, rows, util, member, epochs, seconds)
