"""Shadow-model training speed: our engine vs the loops users write today.

Cases: a logistic head (d = 128, n = 1000, 200 full-batch Adam steps) and an MLP head
128-64-2, for N in {64, 256, 1024} models; the ConvNet of ``mis.shadow.ConvLearner`` (8x8x1 →
conv 8 → pool → conv 16 → pool → 10) on 1000 real digits, 200 full-batch Adam steps, and the
same ConvNet on 1000 28x28 Fashion-MNIST images (``convnet28``; skipped without the IDX files,
``--cases convnet28`` alone writes ``shadow_training_28x28.json`` unless ``--out`` says
otherwise); and the MLP
128-64-2 trained with DP-SGD (C = 1, σ = 1, Poisson rate q = 0.25, 200 steps), for N = 64
(16 with --quick). Baselines, timed in the same run on a subset of models (their cost per model
is constant): (a) a Python loop over a jitted single-model trainer, (b) the sequential PyTorch loop
of ML Privacy Meter / lira-pytorch (CPU torch, timed on 1 thread and on torch's default thread
count, both recorded; ``vs_torch`` is the ratio to the faster; for DP-SGD per-example gradients by
``torch.func.vmap(grad)`` on each Poisson-sampled batch, as Opacus computes them), (c) a
scikit-learn ``LogisticRegression`` loop (logistic only). Our timing excludes compilation (one
warm-up call of the same shape); the compile time is reported separately.

Run: ``make bench`` (or ``python benchmarks/shadow_training.py [--quick]``).
Writes ``benchmarks/results/shadow_training.json``.
"""

import os

os.environ.setdefault("XLA_FLAGS", f"--xla_force_host_platform_device_count={os.cpu_count()}")

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import bench_parser, matmul_peak_gflops, print_row, write_result  # noqa: E402

from mis.data import (  # noqa: E402
    load_digits,
    load_fashion_mnist,
    make_gaussian_mixture,
    sample_gaussian_mixture,
)
from mis.errors import UserError  # noqa: E402
from mis.shadow import (  # noqa: E402
    DPSGD,
    ConvLearner,
    MLPLearner,
    membership_mask,
    train_shadow_models,
)

D, N_POOL, STEPS, LR = 128, 1000, 200, 1e-2
CASES = {"logistic": (), "mlp": (64,)}
CHANNELS = (8, 16)
DP = DPSGD(clip_norm=1.0, noise_multiplier=1.0, sample_rate=0.25)


def flops_per_model(hidden) -> float:
    """Per step: forward ``2 n Σ in·out``; backward the weight gradients (same again) and the
    input gradients of every layer but the first (the data need none). The two-class output
    layer counts one column: ``MLPLearner.loss`` works on the logit margin."""
    sizes = (D, *hidden, 1)
    macs = [a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    return 2 * N_POOL * (2 * sum(macs) + sum(macs[1:])) * STEPS


def shortest(run, budget_s: float = 5.0, most: int = 5) -> float:
    """The shortest wall time of ``run()`` over repeats until ``budget_s`` is spent (at least
    one, at most ``most``): sub-second cases otherwise swing with the machine's load."""
    times = []
    while not times or (sum(times) < budget_s and len(times) < most):
        t = time.perf_counter()
        jax.block_until_ready(run())
        times.append(time.perf_counter() - t)
    return min(times)


def ours(pool, learner, num_models, batch_size=None):
    run = lambda: train_shadow_models(jax.random.key(1), pool, learner=learner,
                                      num_models=num_models, batch_size=batch_size).params
    t = time.perf_counter()
    jax.block_until_ready(run())
    first = time.perf_counter() - t
    steady = shortest(run)
    return num_models / steady, max(first - steady, 0.0)  # rate, compile time


def jax_loop(pool, learner, mask, count):
    fit = jax.jit(lambda k, w: learner.fit(k, pool, w))
    keys = jax.random.split(jax.random.key(2), count)
    jax.block_until_ready(fit(keys[0], mask[0]))
    t = time.perf_counter()
    for m in range(count):
        jax.block_until_ready(fit(keys[m], mask[m]))
    return count / (time.perf_counter() - t)


def torch_mlp(hidden):
    """The MLP ``D → hidden → 2`` (ReLU) in torch."""
    import torch

    sizes = (D, *hidden, 2)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers += [torch.nn.Linear(a, b)] + ([torch.nn.ReLU()] if i < len(sizes) - 2 else [])
    return torch.nn.Sequential(*layers)


def torch_loop(pool, hidden, mask, count):
    import torch

    x = torch.tensor(np.asarray(pool.x))
    y = torch.tensor(np.asarray(pool.y), dtype=torch.long)
    t = None
    for m in range(-1, count):  # model -1 warms up torch (thread pool, allocator)
        if m == 0:
            t = time.perf_counter()
        w = torch.tensor(np.asarray(mask[m]))
        model = torch_mlp(hidden)
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        for _ in range(STEPS):
            opt.zero_grad()
            per = torch.nn.functional.cross_entropy(model(x), y, reduction="none")
            ((per * w).sum() / w.sum()).backward()
            opt.step()
    return count / (time.perf_counter() - t)


def torch_convnet_loop(pool, mask, count):
    """The same ConvNet in torch (NCHW), trained one model at a time."""
    import torch

    x = torch.tensor(np.asarray(pool.x)).permute(0, 3, 1, 2).contiguous()
    y = torch.tensor(np.asarray(pool.y), dtype=torch.long)
    nn = torch.nn
    t = None
    for m in range(-1, count):
        if m == 0:
            t = time.perf_counter()
        w = torch.tensor(np.asarray(mask[m]))
        flat = (x.shape[2] // 4) * (x.shape[3] // 4) * CHANNELS[1]  # after two 2x2 pools
        model = nn.Sequential(nn.Conv2d(1, CHANNELS[0], 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(CHANNELS[0], CHANNELS[1], 3, padding=1), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(flat, 10))
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        for _ in range(STEPS):
            opt.zero_grad()
            per = nn.functional.cross_entropy(model(x), y, reduction="none")
            ((per * w).sum() / w.sum()).backward()
            opt.step()
    return count / (time.perf_counter() - t)


def torch_dp_loop(pool, hidden, mask, count):
    """DP-SGD in torch as a user writes it with ``torch.func``: each step a Poisson sample of
    the members, per-example gradients ``vmap(grad)``, clipping, Gaussian noise, Adam."""
    import torch
    from torch.func import functional_call, grad, vmap

    x_all = torch.tensor(np.asarray(pool.x))
    y_all = torch.tensor(np.asarray(pool.y), dtype=torch.long)
    gen = torch.Generator().manual_seed(0)
    t = None
    for m in range(-1, count):
        if m == 0:
            t = time.perf_counter()
        members = torch.tensor(np.asarray(mask[m]) > 0)
        x, y = x_all[members], y_all[members]
        model = torch_mlp(hidden)
        opt = torch.optim.Adam(model.parameters(), lr=LR)

        def loss_one(params, xi, yi, model=model):
            out = functional_call(model, params, (xi[None],))
            return torch.nn.functional.cross_entropy(out, yi[None])

        per_example = vmap(grad(loss_one), in_dims=(None, 0, 0))
        for _ in range(STEPS):
            take = torch.rand(x.shape[0], generator=gen) < DP.sample_rate
            params = {k: v.detach() for k, v in model.named_parameters()}
            grads = per_example(params, x[take], y[take])
            norms = torch.sqrt(sum(g.flatten(1).pow(2).sum(1) for g in grads.values()))
            factor = (DP.clip_norm / (norms + 1e-12)).clamp(max=1.0)
            scale = DP.sample_rate * x.shape[0]
            for k, p in model.named_parameters():
                summed = torch.einsum("i,i...->...", factor, grads[k])
                noise = torch.randn(p.shape, generator=gen) * DP.noise_multiplier * DP.clip_norm
                p.grad = (summed + noise) / scale
            opt.step()
    return count / (time.perf_counter() - t)


def torch_rates(loop, *args) -> dict:
    """``loop(*args)`` with torch on 1 thread and on its default thread count (torch's own
    choice, recorded): a busy machine can collapse the multi-threaded loop, so the ratio we
    report is to the faster of the two."""
    import torch

    default = torch.get_num_threads()
    rates = {}
    for threads in dict.fromkeys((1, default)):  # once when the default is 1
        torch.set_num_threads(threads)
        rates[threads] = loop(*args)
    torch.set_num_threads(default)
    return {"torch_threads_default": default, "torch_1thread_models_per_s": rates[1],
            "torch_default_models_per_s": rates[default], "torch_models_per_s": max(rates.values())}


def sklearn_loop(pool, mask, count):
    from sklearn.linear_model import LogisticRegression

    x, y = np.asarray(pool.x), np.asarray(pool.y)
    keeps = [np.asarray(mask[m]) > 0 for m in range(count)]

    def run():
        for keep in keeps:
            LogisticRegression(max_iter=STEPS).fit(x[keep], y[keep])

    return count / shortest(run)


def main(argv=None):
    parser = bench_parser(__doc__, "shadow_training", "N in {64, 256}, small baselines")
    parser.add_argument("--cases", default="logistic,mlp,convnet,convnet28,dp-mlp",
                        help="comma-separated subset of logistic,mlp,convnet,convnet28,dp-mlp")
    args = parser.parse_args(argv)
    wanted = set(args.cases.split(","))
    if wanted == {"convnet28"} and "--out" not in (argv or sys.argv):
        args.out = str(Path(args.out).with_name("shadow_training_28x28.json"))
    sizes = (64, 256) if args.quick else (64, 256, 1024)
    base_count = 8 if args.quick else 32
    pool = sample_gaussian_mixture(jax.random.key(0), N_POOL,
                                   task=make_gaussian_mixture(jax.random.key(3), d=D, k_modes=4))
    peak = matmul_peak_gflops()
    print(f"float32 matmul peak: {peak:.1f} GFLOP/s on {len(jax.devices())} device(s)")
    cases = []
    for model, hidden in CASES.items():
        if model not in wanted:
            continue
        learner = MLPLearner(hidden=hidden, steps=STEPS, learning_rate=LR)
        mask = membership_mask(jax.random.key(4), base_count, N_POOL)
        loop = jax_loop(pool, learner, mask, base_count)
        torch_row = torch_rates(torch_loop, pool, hidden, mask, max(2, base_count // 4))
        sk = sklearn_loop(pool, mask, base_count) if model == "logistic" else None
        for num_models in sizes:
            rate, compile_s = ours(pool, learner, num_models)
            row = {"model": model, "num_models": num_models, "ours_models_per_s": rate,
                   "ours_compile_s": compile_s, "loop_models_per_s": loop,
                   **torch_row, "sklearn_models_per_s": sk,
                   "gflops": rate * flops_per_model(hidden) / 1e9, "peak_gflops": peak,
                   "vs_loop": rate / loop, "vs_torch": rate / torch_row["torch_models_per_s"],
                   "vs_sklearn": None if sk is None else rate / sk}
            row["fraction_of_peak"] = row["gflops"] / peak
            cases.append(row)
            print_row(row)
    digits = jax.tree.map(lambda a: a[:N_POOL], load_digits("train"))
    small_sizes = (16,) if args.quick else (64,)
    count = max(2, base_count // 8)
    conv = ConvLearner(channels=CHANNELS, steps=STEPS, learning_rate=LR)
    fashion = None
    if "convnet28" in wanted:
        try:
            fashion = jax.tree.map(lambda a: a[:N_POOL], load_fashion_mnist("train"))
        except UserError as err:
            print(f"convnet28 skipped: {err}")
    for model, data, learner, baseline in (
            ("convnet", digits, conv, lambda p, m, c: torch_convnet_loop(p, m, c)),
            ("convnet28", fashion, conv, lambda p, m, c: torch_convnet_loop(p, m, c)),
            ("dp-mlp", pool, MLPLearner(hidden=(64,), steps=STEPS, learning_rate=LR, dp=DP),
             lambda p, m, c: torch_dp_loop(p, (64,), m, c))):
        if model not in wanted or data is None:
            continue
        mask = membership_mask(jax.random.key(4), base_count, N_POOL)
        loop = jax_loop(data, learner, mask, count)
        torch_row = torch_rates(baseline, data, mask, count)
        for num_models in small_sizes:
            rate, compile_s = ours(data, learner, num_models)
            row = {"model": model, "num_models": num_models, "ours_models_per_s": rate,
                   "ours_compile_s": compile_s, "loop_models_per_s": loop,
                   **torch_row, "vs_loop": rate / loop,
                   "vs_torch": rate / torch_row["torch_models_per_s"]}
            cases.append(row)
            print_row(row)
    write_result(args.out, "shadow_training", args.quick, cases)


if __name__ == "__main__":
    main()
