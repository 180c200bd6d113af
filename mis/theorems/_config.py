"""Configuration of the theorem reproduction (``mis theorems``)."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class TheoremsConfig:
    """Sizes of every computation in the theorem reproduction.

    ``TheoremsConfig()`` is the full reproduction; ``TheoremsConfig.quick()`` a reduced
    one (fewer Monte Carlo draws, smaller n) that finishes in well under a minute.
    """

    num_samples: int = 400_000
    taus: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
    tau_ns: tuple[int, ...] = (250, 1000, 4000)
    fixed_d: int = 10
    fixed_d_ns: tuple[int, ...] = (100, 1_000, 10_000, 100_000, 1_000_000)
    discrete_p: tuple[float, ...] = (0.5, 0.2, 0.15, 0.1, 0.05)
    discrete_ns: tuple[int, ...] = (10, 100, 1_000, 10_000, 100_000, 1_000_000)
    quantized_delta: float = 0.05
    quantized_step: float = 0.2
    quantized_ns: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)
    adaptive_ns: tuple[int, ...] = (100, 1_000, 10_000, 100_000, 1_000_000)
    boundary_ns: tuple[int, ...] = (10, 100, 1_000, 10_000, 100_000)
    processing_n: int = 2000
    processing_d: int = 20
    processing_steps: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
    overfit_n: int = 1000
    overfit_width: int = 4096
    overfit_steps: int = 3000
    overfit_eps: tuple[float, ...] = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 0.5)

    def __post_init__(self):
        if self.num_samples < 100:
            raise ValueError(f"num_samples={self.num_samples} must be >= 100")
        for name in ("tau_ns", "fixed_d_ns", "quantized_ns", "adaptive_ns"):
            if min(getattr(self, name)) < 2:
                raise ValueError(f"{name} must hold sizes >= 2")

    @classmethod
    def quick(cls) -> "TheoremsConfig":
        """A reduced run for CI (well under a minute)."""
        return cls(
            num_samples=40_000,
            taus=(0.1, 1.0, 4.0),
            tau_ns=(250, 1000),
            fixed_d_ns=(100, 1_000, 10_000, 100_000),
            processing_steps=(0.02, 0.1, 0.5),
            overfit_width=512,
            overfit_steps=1000,
        )
