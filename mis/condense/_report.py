"""Outputs of ``mis condense``: ``methods.csv`` (one row per method × attack × group),
``scaling.csv``, ``results.json`` (provenance, verdicts), ``report.md`` and three figures, all
built from the typed :class:`~mis.condense.CondenseResult` (host).

``methods.csv`` columns: ``method`` (dm-noise / dm-real / subset / whole / dpsgd),
``parameter`` (ipc or σ), ``attack`` (lira / loss), ``group`` (ordinary: members that started
no synthetic image and were not selected, vs non-members; initialising: members that did /
were selected; all members; canaries), ``auc`` with its DeLong interval, ``tpr@<fpr>`` the
held-out TPR (threshold chosen on one half of the pairs, value and Clopper–Pearson interval on
the other half), ``positives`` / ``negatives`` (pairs), the method's ``accuracy`` (test, mean
over pipelines with a normal interval), ``epsilon`` (DP-SGD accountant) and
``nearest_distance`` (mean L2 distance from a synthetic image to its nearest member).
"""

from __future__ import annotations

import math

import numpy as np

from mis.audit import annotate_spread
from mis.condense._pipeline import CondenseResult, MethodResult
from mis.io import fmt, png_bytes, to_csv, to_json
from mis.io import fmt_estimate as _est
from mis.release import estimate_columns

NEAR_CHANCE_AUC = 0.55
EXPOSED_TPR_FACTOR = 10
COMPARABLE_AUC = 0.05
COMPARABLE_ACCURACY = 0.02


def method_rows(result: CondenseResult) -> list[dict]:
    """One record per method × attack × group (module docstring)."""
    out = []
    for m in result.methods:
        for r in m.rows:
            row = {"method": m.method, "parameter": m.parameter, "attack": r.attack,
                   "group": r.group} | estimate_columns("auc", r.auc)
            for f, t in zip(result.config.fprs, r.tprs, strict=True):
                row |= estimate_columns(f"tpr@{f:g}", t)
            out.append(row | {"positives": r.positives, "negatives": r.negatives}
                       | estimate_columns("accuracy", m.accuracy)
                       | {"epsilon": m.epsilon, "nearest_distance": m.nearest_distance,
                          "seconds": round(m.seconds, 2)})
    return out


def scaling_rows(result: CondenseResult) -> list[dict]:
    return [{"method": r.method, "n": r.n} | estimate_columns("leakage", r.leakage)
            | estimate_columns("lira_auc", r.auc) for r in result.scaling]


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


def verdicts(result: CondenseResult) -> list[str]:
    """The five verdicts of the study, each with its numbers and "holds" / "does not hold"
    (or "not enough data")."""
    cfg, out = result.config, []
    low = cfg.fprs[0]
    word = lambda ok: "holds" if ok else "does not hold"
    noise = _methods(result, "dm-noise")
    # (1) DM from noise: near-chance LiRA on ordinary members
    if noise:
        parts = [(m, _row(m, "ordinary")) for m in noise]
        ok = all(r is not None and float(r.auc.upper) <= NEAR_CHANCE_AUC for _, r in parts)
        out.append(f"(1) DM from noise gives near-chance LiRA on ordinary pool members (AUC "
                   f"interval below {NEAR_CHANCE_AUC}): {word(ok)} — " + "; ".join(
                       f"{m.label}: AUC {_est(r.auc)}, TPR@{low:g} {_est(r.tprs[0])}"
                       for m, r in parts if r is not None) + ".")
    # (2) DM from real images exposes the initialising images
    real = _methods(result, "dm-real")
    if real:
        parts = [(m, _row(m, "initialising")) for m in real]
        ok = all(r is not None and float(r.tprs[0].lower) > EXPOSED_TPR_FACTOR * low
                 for _, r in parts)
        out.append(f"(2) DM from real images exposes the initialising images (TPR@{low:g} "
                   f"above {EXPOSED_TPR_FACTOR}× the FPR): {word(ok)} — " + "; ".join(
                       f"{m.label}: TPR@{low:g} {_est(r.tprs[0])}, AUC {_est(r.auc)}"
                       for m, r in parts if r is not None) + ".")
    # (3) the random subset matches DM's privacy for non-selected points at similar accuracy
    subset = {m.parameter: m for m in _methods(result, "subset")}
    pairs = [(m, subset[m.parameter]) for m in noise if m.parameter in subset]
    if pairs:
        texts, good, bad = [], [], []
        for dm, sub in pairs:
            a, b = _row(dm, "ordinary"), _row(sub, "ordinary")
            if a is None or b is None:
                continue
            private = float(b.auc.value) <= float(a.auc.value) + COMPARABLE_AUC
            accurate = float(sub.accuracy.value) >= float(dm.accuracy.value) - COMPARABLE_ACCURACY
            (good if private and accurate else bad).append(str(int(dm.parameter)))
            texts.append(f"ipc {int(dm.parameter)}: non-selected AUC {_est(b.auc)} vs DM "
                         f"{_est(a.auc)}, accuracy {_est(sub.accuracy)} vs DM "
                         f"{_est(dm.accuracy)}")
        verdict = word(not bad) if not good or not bad else \
            f"holds at ipc {', '.join(good)}, does not hold at ipc {', '.join(bad)}"
        out.append(f"(3) The random-subset baseline is as private for non-selected points (AUC "
                   f"at most {COMPARABLE_AUC} above DM's) at comparable accuracy (at most "
                   f"{COMPARABLE_ACCURACY} below DM's): {verdict} — " + "; ".join(texts) + ".")
    # (4) at equal leakage, the most accurate method
    if noise:
        fpr = cfg.fprs[-1]
        ref = max(noise, key=lambda m: m.parameter)
        cap = float(_row(ref, "all members").tprs[-1].upper)
        rivals = [m for m in result.methods if m.method != "whole" and m is not ref
                  and _row(m, "all members") is not None
                  and float(_row(m, "all members").tprs[-1].value) <= cap]
        dp = [m for m in rivals if m.method == "dpsgd"]
        dp_best = max(dp, key=lambda m: float(m.accuracy.value)) if dp else None
        claim = dp_best is not None and float(dp_best.accuracy.value) >= float(
            ref.accuracy.value)
        if rivals:
            best = max(rivals, key=lambda m: float(m.accuracy.value))
            answer = (f"the most accurate other method is {best.label} (accuracy "
                      f"{_est(best.accuracy)}, TPR {_est(_row(best, 'all members').tprs[-1])})"
                      f" against {ref.label}'s accuracy {_est(ref.accuracy)}")
        else:
            answer = f"no other method leaks as little; {ref.label}'s accuracy is " \
                     f"{_est(ref.accuracy)}"
        out.append(f"(4) At no more measured leakage than {ref.label} (LiRA TPR@{fpr:g} on all "
                   f"ordinary members ≤ {fmt(cap, 3)}, its upper bound), {answer}. The "
                   f"rebuttal's claim that DP-SGD is at least as accurate as DM at no more "
                   f"leakage: {word(claim)}"
                   + (f" — best DP-SGD there: {dp_best.label}, accuracy "
                      f"{_est(dp_best.accuracy)}, ε {fmt(dp_best.epsilon, 2)}."
                      if dp_best is not None else " — no DP-SGD level leaks as little."))
    # (5) O(m/n)
    for s in result.slopes:
        if s.method != "dm-noise":
            continue
        rows = [r for r in result.scaling if r.method == s.method]
        positive = all(float(r.leakage.lower) > 0 for r in rows)
        if not positive or math.isnan(float(s.slope.lower)):
            verdict = "not enough data (a leakage interval reaches 0, so its logarithm is " \
                      "not estimable)"
        else:
            verdict = word(float(s.slope.lower) <= -1)
        whole = next((w for w in result.slopes if w.method == "whole"), None)
        out.append(f"(5) O(m/n): at fixed m the leakage of DM from noise decays at least as "
                   f"fast as 1/n (the slope's interval reaches −1 or below): {verdict} — slope "
                   f"{_est(s.slope, 2)}; leakage "
                   + ", ".join(f"n={r.n}: {_est(r.leakage)}" for r in rows)
                   + (f". Whole-pool training decays too (slope {_est(whole.slope, 2)}), so "
                      "an O(1/n) influence alone does not set DM apart"
                      if whole is not None else "") + ".")
    return out


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
        n = np.array([r.n for r in rows], float)
        v = np.array([float(r.leakage.value) for r in rows])
        lo = np.array([max(float(r.leakage.lower), 1e-12) for r in rows])
        hi = np.array([float(r.leakage.upper) for r in rows])
        ax.errorbar(n, v, yerr=[v - lo, hi - v], fmt="o-", color=f"C{i}", capsize=2,
                    label=f"{s.method}: slope {fmt(float(s.slope.value), 2)}")
    ax.set(xscale="log", yscale="log", xlabel="pool size n",
           ylabel="leakage: mean IN − OUT gap of the logit confidence",
           title="O(m/n)? leakage vs pool size (fixed m)")
    ax.legend(fontsize=8)
    return png_bytes(fig)


def report_md(result: CondenseResult, provenance: dict, command: str) -> bytes:
    cfg = result.config
    model = f"ConvNet {'-'.join(map(str, cfg.channels))}" if cfg.dataset == "digits" \
        else f"MLP {'-'.join(map(str, cfg.hidden))}"
    dm = [m for m in result.methods if m.method.startswith("dm-")]
    lines = [
        f"# Is dataset condensation private? ({cfg.dataset}, {model})", "",
        f"`{command}` — seed {provenance['seed']}, commit `{provenance['git_commit']}`. "
        f"Audit set: {cfg.pool_size} ordinary points, {cfg.num_mislabeled} mislabeled and "
        f"{cfg.num_ood} out-of-distribution canaries, each IN for half of {cfg.num_models} "
        f"pipelines per method (the same split for every method). A pipeline condenses (or "
        f"subsamples) its members and trains the released {model} ({cfg.steps} Adam steps, "
        f"learning rate {cfg.learning_rate:g}, full batch) on the result only.", "",
        f"DM: {cfg.iterations} iterations of SGD (learning rate {cfg.dm_learning_rate:g}, "
        f"momentum {cfg.momentum:g}) on the synthetic pixels; each iteration a freshly "
        "initialised random network of the released architecture embeds the real members and "
        "the synthetic images after one Siamese augmentation per class (flip, crop or scale, "
        "the same draw for both); the loss is the summed squared distance of the per-class "
        "mean embeddings. DP-SGD: clip "
        f"{cfg.clip_norm:g}, Poisson rate {cfg.sample_rate:g}, {cfg.steps} steps, accountant ε "
        f"at δ = {cfg.delta:g}.", "",
        "Attacks: online LiRA (leave-one-pipeline-out, logit-scaled confidence) and the loss "
        "attack. Groups of (pipeline, point) pairs: *ordinary* = ordinary members that "
        "started no synthetic image and were not selected vs ordinary non-members; "
        "*initialising* = members that started a synthetic image (DM from real) or were "
        "selected (subset) vs the same non-members; *all members*; *canaries*. TPRs are held "
        "out (threshold on half of the pairs, value and Clopper–Pearson interval on the other "
        "half); AUCs have DeLong intervals; accuracies are means over pipelines.", "",
        "## Verdicts", "", *[f"- {v}" for v in verdicts(result)], "",
        "## Every method (LiRA)", "", "```", method_table(result), "```", "",
        "Full table (both attacks, every group): `methods.csv`.", "",
        "![accuracy vs leakage](tradeoff.png)", "",
        "## Visual check: synthetic images and their nearest real member", "",
        "Mean L2 distance from a synthetic image to its nearest member: " + "; ".join(
            f"{m.label} {fmt(m.nearest_distance, 3)}" for m in dm)
        + f". For scale: a test image's distance to its nearest ordinary pool point is "
          f"{fmt(result.reference_distance, 3)} on average.", "",
        "![nearest](nearest.png)" if cfg.dataset == "digits" else "", "",
        "## O(m/n): leakage vs pool size", "",
        f"DM from noise at ipc {max(cfg.ipcs)} (m = {max(cfg.ipcs) * cfg.num_classes}) and "
        f"whole-pool training on pools of n = {', '.join(map(str, cfg.scaling_sizes))}: the "
        "audit set plus always-IN filler points; leakage is measured on the ordinary audit "
        "points only (the same points at every n). Interval of the slope: paired bootstrap over "
        f"audit points ({cfg.num_bootstrap} resamples).", "",
        "```", *[f"{r.method:<10} n={r.n:<6} leakage {_est(r.leakage, 4)}  LiRA AUC "
                 f"{_est(r.auc)}" for r in result.scaling],
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
                                      "verdicts": verdicts(result),
                                      "seconds": result.seconds}),
             "report.md": report_md(result, provenance, command),
             "tradeoff.png": tradeoff_figure(result),
             "scaling.png": scaling_figure(result)}
    near = nearest_figure(result)
    if near is not None:
        files["nearest.png"] = near
    return files
