"""Two-way (pigeonhole) bootstrap of stacked scores: the compiled kernel of
``mis.inference.crossed_metrics`` vs the loop a user writes from the definition.

Case ``rank-default``: 64 models x 1000 examples (the default ``mis rank`` shape), AUC,
advantage and held-out TPR / realised FPR at 0.1 % and 1 % per resample. Baselines, both
per resample in NumPy: (a) *copy*: draw the models and examples, build the resampled score
matrix with ``np.ix_`` and call :func:`mis.audit.auc_value` (AUC only: a lower bound on what
the full set of metrics costs this way); (b) *weighted*: the ``StackedScores`` reference (the
same metrics as the kernel, weighted bincounts per resample). The kernel's replicates are
checked against (b) on the first resamples (max absolute difference reported). Times: best of
several calls after a warm-up (compilation excluded, reported apart).

Run: ``make bench`` (or ``python benchmarks/inference.py [--quick]``). Writes
``benchmarks/results/inference.json``.
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import bench_parser, best_time, print_row, write_result  # noqa: E402

from mis.audit import auc_value  # noqa: E402
from mis.inference import StackedScores, crossed_counts, crossed_metrics, pair_weights  # noqa: E402

FPRS = (0.001, 0.01)


def case(name, models, examples, resamples, repeats):
    rng = np.random.default_rng(0)
    mask = rng.random((models, examples)) < 0.5
    scores = rng.normal(size=(models, examples)) + mask * (0.6 + 0.3 * rng.normal(size=(models, 1)))
    t0 = time.perf_counter()
    cm = crossed_metrics("x", scores, mask, fprs=FPRS, num_bootstrap=resamples)
    first_call = time.perf_counter() - t0
    t_kernel = best_time(lambda: crossed_metrics("x", scores, mask, fprs=FPRS,
                                                 num_bootstrap=resamples), repeats)
    a, c = crossed_counts(models, examples, resamples)
    st = StackedScores(scores, mask)
    loops = min(resamples, 40)  # the baselines are timed on a subset, scaled per resample

    def weighted():
        for b in range(loops):
            w = pair_weights(a[b], c[b])
            st.auc(w), st.advantage(w), [st.tpr_at_fpr(f, w) for f in FPRS]

    def copy():
        for b in range(loops):
            rows = np.repeat(np.arange(models), a[b].astype(int))
            cols = np.repeat(np.arange(examples), c[b].astype(int))
            auc_value(scores[np.ix_(rows, cols)].ravel(), mask[np.ix_(rows, cols)].ravel())

    t_weighted = best_time(weighted, max(1, repeats // 3)) * resamples / loops
    t_copy = best_time(copy, max(1, repeats // 3)) * resamples / loops
    diff = max(abs(cm.auc.reps[b] - st.auc(pair_weights(a[b], c[b]))) for b in range(10))
    row = {"case": name, "models": models, "examples": examples, "resamples": resamples,
           "kernel_s": t_kernel, "kernel_first_call_s": first_call,
           "weighted_numpy_s": t_weighted, "copy_auc_only_s": t_copy,
           "weighted_over_kernel": t_weighted / t_kernel, "copy_over_kernel": t_copy / t_kernel,
           "max_abs_diff_auc_kernel_vs_weighted": float(diff)}
    print_row(row)
    return row


def main(argv=None):
    args = bench_parser(__doc__, "inference", "200 resamples and fewer repeats").parse_args(argv)
    resamples, repeats = (200, 3) if args.quick else (400, 6)
    cases = [case("rank-default", 64, 1000, resamples, repeats),
             case("smoke", 16, 200, resamples, repeats)]
    write_result(args.out, "inference", args.quick, cases)


if __name__ == "__main__":
    main()
