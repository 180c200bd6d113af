"""Outputs of ``mis condense``: ``methods.csv`` (one row per method × attack × group),
``scaling.csv``, ``results.json`` (provenance, verdicts), ``report.md`` and three figures, all
built from the typed :class:`~mis.condense.CondenseResult` (host).

``methods.csv`` columns: ``method`` (dm-noise / dm-real / subset / whole / dpsgd),
``parameter`` (ipc or σ), ``attack`` (lira / loss), ``group`` (ordinary: members that started
no synthetic image and were not selected, vs non-members; initialising: members that did /
were selected; all members; canaries), ``auc`` with its DeLong interval, ``tpr@<fpr>`` the
held-out TPR (threshold chosen on one half of the pairs, value and Clopper–Pearson interval on
the other half), ``positives`` / ``negatives`` (pairs), the method's ``accuracy`` (test, mean
over pipelines and test points with a two-way interval), ``epsilon`` (DP-SGD accountant) and
``nearest_distance`` (mean L2 distance from a synthetic image to its nearest member); an empty
cell is "not applicable" (no ε without DP-SGD, no distance without DM, no parameter for the
whole pool) or, for a TPR, "not resolvable".
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from mis.audit import annotate_spread, plot_intervals
from mis.condense._config import CondenseConfig
from mis.condense._pipeline import CondenseResult, MethodResult, expected_members
from mis.inference import Finding, Replicates, bonferroni_confidence, difference, grouped_lines
from mis.io import fmt, png_bytes, to_csv, to_json
from mis.io import fmt_estimate as _est
from mis.release import estimate_columns
from mis.study import is_image_set
from theory import Estimate

NEAR_CHANCE_AUC = 0.55
EXPOSED_TPR_FACTOR = 10
COMPARABLE_AUC = 0.05
COMPARABLE_ACCURACY = 0.02


def _cell(value: float):
    """A CSV cell: ``nan`` (not applicable: no ε without DP-SGD, no synthetic image without
    DM, no parameter for the whole pool) is an empty cell, as in every other table."""
    return "" if isinstance(value, float) and math.isnan(value) else value


def method_rows(result: CondenseResult) -> list[dict]:
    """One record per method × attack × group (module docstring)."""
    out = []
    for m in result.methods:
        for r in m.rows:
            row = {"method": m.method, "parameter": _cell(m.parameter), "attack": r.attack,
                   "group": r.group} | estimate_columns("auc", r.auc)
            for f, t in zip(result.config.fprs, r.tprs, strict=True):
                row |= estimate_columns(f"tpr@{f:g}", t)
            out.append(row | {"positives": r.positives, "negatives": r.negatives}
                       | estimate_columns("accuracy", m.accuracy)
                       | {"epsilon": _cell(m.epsilon),
                          "nearest_distance": _cell(m.nearest_distance),
                          "seconds": round(m.seconds, 2)})
    return out


def scaling_rows(result: CondenseResult) -> list[dict]:
    return [{"method": r.method, "n": r.n, "members_per_class": r.members}
            | estimate_columns("leakage", r.leakage)
            | estimate_columns("lira_auc", r.auc) for r in result.scaling]


def convergence(losses: np.ndarray) -> dict:
    """The DM loss curve in a few numbers: the mean loss over pipelines at the first
    iteration, at 10 %, 50 % and 90 % of the run and at the last, and the relative change over
    the last 10 % of iterations (``1 − mean(last tenth) / mean(the tenth before)``)."""
    t = len(losses)
    tenth = max(t // 10, 1)
    at = {f"loss@{p}%": float(losses[min(int(t * p / 100), t - 1)]) for p in (10, 50, 90)}
    before = losses[max(t - 2 * tenth, 0): t - tenth]
    change = (1 - float(np.mean(losses[t - tenth:])) / float(np.mean(before))
              if len(before) else math.nan)
    return {"iterations": t, "loss_first": float(losses[0]), **at,
            "loss_last": float(losses[-1]), "last_tenth_drop": change}


def convergence_lines(result: CondenseResult) -> list[str]:
    """The report's DM convergence table (one line per DM method)."""
    out = []
    for m in result.methods:
        if m.dm_losses is None:
            continue
        c = convergence(m.dm_losses)
        out.append(f"{m.label:<18} first {c['loss_first']:.4g}  10% {c['loss@10%']:.4g}  "
                   f"50% {c['loss@50%']:.4g}  90% {c['loss@90%']:.4g}  last "
                   f"{c['loss_last']:.4g}  drop over the last tenth {c['last_tenth_drop']:.1%}")
    return out


def _row(m: MethodResult, group: str, attack: str = "lira"):
    return next((r for r in m.rows if r.group == group and r.attack == attack), None)


def _methods(result: CondenseResult, name: str) -> list[MethodResult]:
    return [m for m in result.methods if m.method == name]


def method_table(result: CondenseResult) -> str:
    """LiRA per method: accuracy, ε, AUC and low-FPR TPR on ordinary points, initialising
    points and canaries."""
    low = result.config.fprs[0]
    tpr = f"TPR@{low:g}"
    head = (f"{'method':<20} {'accuracy':>22} {'ε':>7} {'AUC ordinary':>22} "
            f"{tpr + ' ordinary':>24} {tpr + ' initialising':>26} {'AUC canaries':>22}")
    lines = [head]
    for m in result.methods:
        cells = []
        for group, what in (("ordinary", "auc"), ("ordinary", "tpr"), ("initialising", "tpr"),
                            ("canaries", "auc")):
            r = _row(m, group)
            cells.append("—" if r is None else _est(r.auc if what == "auc" else r.tprs[0]))
        eps = "—" if math.isnan(m.epsilon) else fmt(m.epsilon, 2)
        lines.append(f"{m.label:<20} {_est(m.accuracy):>22} {eps:>7} {cells[0]:>22} "
                     f"{cells[1]:>24} {cells[2]:>26} {cells[3]:>22}")
    return "\n".join(lines)


SLOPE_MARGIN = 0.2  # O(m/n): slope at most −1 + this


def _strongest(m: MethodResult, group: str):
    """The stronger attack (larger AUC) on ``group`` of method ``m``, or None."""
    rows = [r for r in m.rows if r.group == group and r.metrics is not None]
    return max(rows, key=lambda r: float(r.auc.value), default=None)


def _first_resolvable(r, fprs) -> tuple[int, float] | None:
    """Index and value of the first FPR of ``fprs`` the row can resolve."""
    return next(((k, f) for k, f in enumerate(fprs) if np.isfinite(float(r.tprs[k].value))),
                None)


class _Claim(NamedTuple):
    group: str
    claim: str
    quantity: str
    reps: Replicates | None  # None: not enough data
    direction: str
    null: float = 0.0
    margin: float = 0.0
    sizes: dict = {}
    note: str = ""


def _accuracy(method) -> Replicates:
    """A method's test-accuracy replicates (every method of a run carries them)."""
    if method.accuracy_reps is None:
        raise ValueError(f"method {method.label!r} carries no accuracy replicates")
    return method.accuracy_reps


def _claims(result: CondenseResult) -> list[_Claim]:
    cfg, out = result.config, []
    noise = _methods(result, "dm-noise")
    sizes = lambda r: {"pipelines": r.metrics.sizes["models"],  # noqa: E731
                       "positive pairs": r.positives, "negative pairs": r.negatives}
    for m in noise:  # (1)
        r = _strongest(m, "ordinary")
        if r is not None:
            out.append(_Claim("1", f"{m.label}: near-chance membership inference on ordinary "
                              f"pool members ({r.attack}, the stronger attack)",
                              f"AUC({r.attack}, ordinary)", r.metrics.auc, "at_most", 0.5,
                              NEAR_CHANCE_AUC - 0.5, sizes(r)))
    for m in _methods(result, "dm-real"):  # (2)
        rows = [r for r in m.rows if r.group == "initialising" and r.metrics is not None]
        got = [(r, kf) for r in rows if (kf := _first_resolvable(r, cfg.fprs)) is not None]
        if not got:
            f = cfg.fprs[-1]
            out.append(_Claim("2", f"{m.label} exposes the initialising images",
                              f"TPR@{f:g}(initialising)", None, "greater",
                              EXPOSED_TPR_FACTOR * f,
                              note="no FPR of the run is resolvable on this group (too few "
                                   "non-member pairs)"))
            continue
        r, (k, f) = max(got, key=lambda t: float(t[0].tprs[t[1][0]].value))
        out.append(_Claim("2", f"{m.label} exposes the initialising images ({r.attack})",
                          f"TPR@{f:g}({r.attack}, initialising)", r.metrics.rates[f][0],
                          "greater", EXPOSED_TPR_FACTOR * f, sizes=sizes(r),
                          note=f"held out; realised FPR {_est(r.metrics.rate(f).fpr)}"))
    subset = {m.parameter: m for m in _methods(result, "subset")}
    for dm in noise:  # (3)
        sub = subset.get(dm.parameter)
        if sub is None:
            continue
        a, b = _strongest(dm, "ordinary"), _strongest(sub, "ordinary")
        if a is None or b is None:
            continue
        attack = a if float(a.auc.value) >= float(b.auc.value) else b
        ra, rb = _row(dm, "ordinary", attack.attack), _row(sub, "ordinary", attack.attack)
        ipc = int(dm.parameter)
        out.append(_Claim("3", f"ipc {ipc}: the random subset is as private as DM for "
                          f"non-selected points ({attack.attack})",
                          "AUC(subset) − AUC(DM), ordinary", difference(rb.metrics.auc,
                                                                         ra.metrics.auc),
                          "at_most", 0.0, COMPARABLE_AUC, sizes(rb)))
        out.append(_Claim("3", f"ipc {ipc}: the random subset is about as accurate as DM",
                          "accuracy(subset) − accuracy(DM)",
                          difference(_accuracy(sub), _accuracy(dm)), "at_least", 0.0,
                          COMPARABLE_ACCURACY,
                          {"pipelines": cfg.num_models, "test points": _test_points(result)}))
    dp = _methods(result, "dpsgd")
    if noise and dp:  # (4)
        ref = max(noise, key=lambda m: m.parameter)
        r0 = _strongest(ref, "all members")
        if r0 is not None:
            leak = {m.label: _row(m, "all members", r0.attack) for m in dp}
            dp = [m for m in dp if leak[m.label] is not None]
            quiet = [m for m in dp if float(leak[m.label].auc.value) <= float(r0.auc.value)]
            best = max(quiet or dp, key=lambda m: (float(m.accuracy.value) if quiet else
                                                   -float(leak[m.label].auc.value)))
            note = (f"{best.label}: ε {fmt(best.epsilon, 2)}; chosen as the most accurate "
                    "DP-SGD level leaking no more by point estimate" if quiet else
                    f"{best.label}: ε {fmt(best.epsilon, 2)}; no DP-SGD level leaks as little "
                    "by point estimate, so the least leaky one")
            out.append(_Claim("4", f"{best.label} leaks no more than {ref.label} "
                              f"({r0.attack}, all ordinary members)",
                              "AUC(DP-SGD) − AUC(DM)", difference(leak[best.label].metrics.auc,
                                                                  r0.metrics.auc),
                              "at_most", 0.0, COMPARABLE_AUC, sizes(r0), note))
            out.append(_Claim("4", f"{best.label} is at least as accurate as {ref.label} "
                              "(the rebuttal's claim)", "accuracy(DP-SGD) − accuracy(DM)",
                              difference(_accuracy(best), _accuracy(ref)), "at_least",
                              0.0, COMPARABLE_ACCURACY,
                              {"pipelines": cfg.num_models,
                               "test points": _test_points(result)}))
    for s in result.slopes:  # (5)
        if s.method != "dm-noise" or s.reps is None:
            continue
        whole = next((w for w in result.slopes if w.method == "whole"), None)
        out.append(_Claim("5", "O(m/n): at fixed m the leakage of DM from noise decays at "
                          "least as fast as 1 / members",
                          "slope of log leakage on log expected members per class", s.reps,
                          "at_most", -1.0, SLOPE_MARGIN,
                          {"pipelines": cfg.num_models, "audit points": _ordinary(result),
                           "sizes": len(cfg.scaling_sizes)},
                          f"replicates without a logarithm {s.invalid:.1%}" + (
                              f"; whole-pool training's slope {_est(whole.slope, 2)}, so a "
                              "1 / members decay alone does not set DM apart"
                              if whole is not None else "")))
    return out


def _test_points(result: CondenseResult) -> int:
    return int(result.data.test.x.shape[0])


def _ordinary(result: CondenseResult) -> int:
    return int(np.sum(result.data.kind == "ordinary"))


def findings(result: CondenseResult) -> list[Finding]:
    """Every verdict as a :class:`~mis.inference.Finding`, intervals from the two-way
    bootstrap (pipelines × points; differences paired on the same resamples), Bonferroni over
    the run's findings."""
    cfg = result.config
    claims = _claims(result)
    level = bonferroni_confidence(max(len(claims), 1), cfg.confidence)
    smoke = cfg.num_models <= CondenseConfig.smoke_sizes()["num_models"]
    nan = Estimate(math.nan, math.nan, math.nan)
    return [Finding(f"({c.group}) {c.claim}", c.quantity,
                    c.reps.interval(level) if c.reps is not None else nan, c.direction,
                    c.null, c.margin, level, c.sizes, smoke, c.reps is not None, c.note)
            for c in claims]


TITLES = {"1": f"(1) DM from noise gives near-chance membership inference on ordinary pool "
               f"members (AUC below {NEAR_CHANCE_AUC})",
          "2": f"(2) DM from real images exposes the initialising images (TPR above "
               f"{EXPOSED_TPR_FACTOR}× its FPR)",
          "3": f"(3) the random-subset baseline is as private for non-selected points (AUC at "
               f"most {COMPARABLE_AUC} above DM's) at comparable accuracy (at most "
               f"{COMPARABLE_ACCURACY} below)",
          "4": "(4) at no more leakage than DM at its largest ipc, DP-SGD is at least as "
               f"accurate (margins {COMPARABLE_AUC} AUC, {COMPARABLE_ACCURACY} accuracy)",
          "5": f"(5) O(m/n): leakage decays at least as fast as 1 / members (slope below "
               f"−1 + {SLOPE_MARGIN})"}


def verdicts(result: CondenseResult) -> list[str]:
    """The five verdicts: per group a summary of outcomes and one line per finding."""
    return grouped_lines(findings(result), TITLES, confidence=result.config.confidence,
                         missing="no such method in the run")


def console_summary(result: CondenseResult) -> str:
    return "\n".join([method_table(result), "", *verdicts(result)])


def tradeoff_figure(result: CondenseResult) -> bytes:
    """Test accuracy vs LiRA TPR at the last FPR on all ordinary members, every method, with
    both intervals."""
    import matplotlib.pyplot as plt

    fpr = result.config.fprs[-1]
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    xs, ys, names = [], [], []
    styles = {"dm-noise": "C0o", "dm-real": "C1s", "subset": "C2^", "whole": "kD",
              "dpsgd": "C3v"}
    for name, style in styles.items():
        ms = [m for m in result.methods if m.method == name and _row(m, "all members")]
        if not ms:
            continue
        t = [_row(m, "all members").tprs[-1] for m in ms]
        a = [m.accuracy for m in ms]
        ax.errorbar([float(v.value) for v in t], [float(v.value) for v in a], fmt=style,
                    capsize=2, label=name,
                    xerr=[[float(v.value - v.lower) for v in t], [float(v.upper - v.value)
                                                                  for v in t]],
                    yerr=[[float(v.value - v.lower) for v in a], [float(v.upper - v.value)
                                                                  for v in a]])
        xs += [float(v.value) for v in t]
        ys += [float(v.value) for v in a]
        names += [m.label.split(" ", 1)[1] if " " in m.label else "" for m in ms]
    ax.axvline(fpr, color="grey", lw=0.8, ls=":", label=f"chance (TPR = {fpr:g})")
    ax.set(xlabel=f"LiRA TPR at FPR {fpr:g} (all ordinary members, held out)",
           ylabel="test accuracy", title="Accuracy vs leakage, every pipeline (95 % intervals)")
    ax.legend(fontsize=8, loc="lower right")
    annotate_spread(ax, xs, ys, names)
    return png_bytes(fig)


def nearest_figure(result: CondenseResult) -> bytes | None:
    """For every DM method at its largest ipc: one synthetic image per class (first
    pipeline) above its nearest real member."""
    import matplotlib.pyplot as plt

    if result.data.pool.x.ndim != 4:
        return None
    shown = [m for m in result.methods if m.example_images is not None]
    if not shown:
        return None
    per = result.config.num_classes
    fig, axes = plt.subplots(2 * len(shown), per, figsize=(per * 0.8, 1.7 * len(shown)),
                             squeeze=False)
    for k, m in enumerate(shown):
        ipc = int(m.parameter)
        for c in range(per):
            for row, imgs, tag in ((2 * k, m.example_images, "synthetic"),
                                   (2 * k + 1, m.nearest_images, "nearest member")):
                ax = axes[row, c]
                ax.imshow(np.asarray(imgs[c * ipc])[..., 0], cmap="gray_r")
                ax.set_xticks([])
                ax.set_yticks([])
                if c == 0:
                    ax.set_ylabel(f"{m.label}\n{tag}" if row == 2 * k else tag, fontsize=6)
    fig.suptitle("Synthetic images (first pipeline) above their L2-nearest real member",
                 fontsize=9)
    return png_bytes(fig)


def scaling_figure(result: CondenseResult) -> bytes:
    """Leakage vs n on log-log axes with intervals (non-positive values are not drawn)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for i, s in enumerate(result.slopes):
        rows = [r for r in result.scaling if r.method == s.method
                and float(r.leakage.value) > 0]
        if not rows:
            continue
        n = np.array([r.members for r in rows], float)
        v = np.array([float(r.leakage.value) for r in rows])
        lo = np.array([max(float(r.leakage.lower), 1e-12) for r in rows])
        hi = np.array([float(r.leakage.upper) for r in rows])
        plot_intervals(ax, n, v, y_interval=(lo, hi), fmt="o-", color=f"C{i}", lw=1.5,
                       label=f"{s.method}: slope {fmt(float(s.slope.value), 2)}")
    ax.set(xscale="log", yscale="log", xlabel="expected members per class",
           ylabel="leakage: mean IN − OUT gap of the logit confidence",
           title="O(m/n)? leakage vs members (fixed m)")
    ax.legend(fontsize=8)
    return png_bytes(fig)


def report_md(result: CondenseResult, provenance: dict, command: str) -> bytes:
    cfg = result.config
    model = f"ConvNet {'-'.join(map(str, cfg.channels))}" if is_image_set(cfg.dataset) \
        else f"MLP {'-'.join(map(str, cfg.hidden))}"
    dm = [m for m in result.methods if m.method.startswith("dm-")]
    lines = [
        f"# Is dataset condensation private? ({cfg.dataset}, {model})", "",
        f"`{command}` — seed {provenance['seed']}, commit `{provenance['git_commit']}`. "
        f"Audit set: {cfg.pool_size} ordinary points, {cfg.num_mislabeled} mislabeled and "
        f"{cfg.num_ood} out-of-distribution canaries, each IN for half of {cfg.num_models} "
        f"pipelines per method (the same split for every method)"
        + (f", and {cfg.filler_size} always-IN filler points: "
           f"{expected_members(cfg, cfg.private_size):.0f} members per class in expectation"
           if cfg.filler_size else "")
        + ". A pipeline condenses (or "
        f"subsamples) its members and trains the released {model} ({cfg.steps} Adam steps, "
        f"learning rate {cfg.learning_rate:g}, full batch"
        + (f"; the whole-pool baseline in batches of {cfg.batch_size}" if cfg.batch_size
           else "") + ") on the result only.", "",
        f"DM: {cfg.iterations} iterations of SGD (learning rate {cfg.dm_learning_rate:g}, "
        f"momentum {cfg.momentum:g}) on the synthetic pixels; each iteration a freshly "
        "initialised random network of the released architecture embeds the real members "
        + (f"({cfg.real_batch} per class drawn afresh) " if cfg.real_batch else "") + "and "
        "the synthetic images after one Siamese augmentation per class (flip, crop or scale, "
        "the same draw for both); the loss is the summed squared distance of the per-class "
        "mean embeddings. DP-SGD: clip "
        f"{cfg.clip_norm:g}, Poisson rate {cfg.sample_rate:g}, {cfg.steps} steps, accountant ε "
        f"at δ = {cfg.delta:g}.", "",
        "Attacks: online LiRA (leave-one-pipeline-out, logit-scaled confidence) and the loss "
        "attack. Groups of (pipeline, point) pairs: *ordinary* = ordinary members that "
        "started no synthetic image and were not selected vs ordinary non-members; "
        "*initialising* = members that started a synthetic image (DM from real) or were "
        "selected (subset) vs the same non-members; *all members*; *canaries*. Every interval "
        "resamples pipelines and audit points together (two-way bootstrap, "
        f"{cfg.num_bootstrap} resamples, bias-corrected percentile; `mis.inference`): the "
        "scores of one pipeline on many points are not independent. TPRs are held out "
        "(threshold on half of the pairs, value on the other half); a target below 1 / "
        "(non-member pairs of the choosing half) is not resolvable and has no number. "
        "Accuracies are means over pipelines and test points. Each verdict uses the stronger "
        "of the two attacks on its group (chosen by point estimate).", "",
        "## Verdicts", "",
        "Each finding is decided by the interval of the quantity it is about: \"holds\" when "
        "the interval lies on the claimed side of the null (or inside its stated margin), "
        "\"does not hold\" when it lies on the other side, \"inconclusive\" otherwise.", "",
        *[f"- {v}" if not v.startswith("  ") else v for v in verdicts(result)], "",
        "## Every method (LiRA)", "", "```", method_table(result), "```", "",
        "Full table (both attacks, every group): `methods.csv`.", "",
        "![accuracy vs leakage](tradeoff.png)", "",
        "## Visual check: synthetic images and their nearest real member", "",
        "Mean L2 distance from a synthetic image to its nearest member: " + "; ".join(
            f"{m.label} {fmt(m.nearest_distance, 3)}" for m in dm)
        + f". For scale: a test image's distance to its nearest ordinary pool point is "
          f"{fmt(result.reference_distance, 3)} on average.", "",
        "![nearest](nearest.png)" if is_image_set(cfg.dataset) else "", "",
        "## DM convergence", "",
        "The DM loss (mean over pipelines) along the run; a drop near 0 over the last tenth "
        "means the synthetic sets stopped moving.", "",
        "```", *convergence_lines(result), "```", "",
        "## O(m/n): leakage vs pool size", "",
        f"DM from noise at ipc {max(cfg.ipcs)} (m = {max(cfg.ipcs) * cfg.num_classes}) and "
        f"whole-pool training on pools of n = {', '.join(map(str, cfg.scaling_sizes))}: the "
        "audit set plus always-IN filler points; leakage is measured on the ordinary audit "
        "points only (the same points at every n). Every audit point is IN for half the "
        "pipelines, so a pipeline trained on a pool of n has (n − audit) + audit / 2 members "
        "in expectation; the slope is of log leakage on log expected members per class. "
        "Interval of the slope: two-way bootstrap over pipelines and audit points, the same "
        f"draw at every size ({cfg.num_bootstrap} resamples).", "",
        "```", *[f"{r.method:<10} n={r.n:<6} members/class {r.members:7.1f} leakage "
                 f"{_est(r.leakage, 4)}  LiRA AUC {_est(r.auc)}" for r in result.scaling],
        *[f"{s.method:<10} slope {_est(s.slope, 2)} (replicates without a logarithm: "
          f"{s.invalid:.1%})" for s in result.slopes], "```", "",
        "![scaling](scaling.png)", "",
        "Run time (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()), ""]
    return "\n".join(lines).encode()


def condense_outputs(result: CondenseResult, provenance: dict,
                     command: str) -> dict[str, bytes]:
    """Every output file of one study, as bytes (written atomically by the caller)."""
    files = {"methods.csv": to_csv(method_rows(result)),
             "scaling.csv": to_csv(scaling_rows(result)),
             "results.json": to_json({"provenance": provenance,
                                      "methods": method_rows(result),
                                      "scaling": scaling_rows(result),
                                      "slopes": [{"method": s.method} | estimate_columns("slope",
                                                                                 s.slope)
                                                 | {"invalid_share": s.invalid}
                                                 for s in result.slopes],
                                      "reference_distance": result.reference_distance,
                                      "dm_convergence": {m.label: convergence(m.dm_losses)
                                                         for m in result.methods
                                                         if m.dm_losses is not None},
                                      "verdicts": verdicts(result),
                                      "findings": [f.record() for f in findings(result)],
                                      "seconds": result.seconds}),
             "report.md": report_md(result, provenance, command),
             "tradeoff.png": tradeoff_figure(result),
             "scaling.png": scaling_figure(result)}
    near = nearest_figure(result)
    if near is not None:
        files["nearest.png"] = near
    return files
