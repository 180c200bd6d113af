"""``mis molecular`` described for the command line (the privacy–performance trade-off of
quantized molecular heads)."""

from mis.molecular._config import MolecularConfig
from mis.molecular._pipeline import run_molecular
from mis.molecular._report import console_summary, molecular_outputs
from mis.study import Study

STUDY = Study(
    name="molecular",
    help="privacy-performance trade-off of quantized molecular property heads (real data "
         "shipped in packages, RDKit embedders)",
    config=MolecularConfig, run=run_molecular, outputs=molecular_outputs,
    summary=lambda r: console_summary(r) + "\n",
    header=lambda c: (f"{len(c.datasets)} datasets x {len(c.embedders)} embedders x "
                      f"{len(c.quantizers)} quantizers, {c.num_models} shadow heads each"),
    seconds=lambda r: sum(sum(p.seconds.values()) for p in r.pairs))

__all__ = ["STUDY"]
