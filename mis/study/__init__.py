"""The study kit: what every study (``mis rank``, ``mis dpaudit``, ``mis uniqueness``, ...)
composes instead of writing again.

- :class:`Study` describes a study to the command line: its config class, its run function,
  its outputs and console summary. ``mis.commands`` turns every :class:`Study` into a
  subcommand (one flag per config field, ``--config``, ``--smoke``, ``--seed``, ``--out``),
  so a new study with a config, a pipeline and a report needs no command code.
- :func:`network_learner` is the recipe's learner: the ConvNet on the digits images, the MLP on
  vectors.
- :func:`canary_data` is the recipe's data: the digits or a Gaussian mixture pool followed by
  mislabeled and out-of-distribution canaries, the test set and an optional always-IN filler.

The shared configuration checks live in :mod:`mis.config` (``check_design``,
``check_choice``, ``check_train_size``, ...), the intervals and verdicts in
:mod:`mis.inference`, the tables and atomic output files in :mod:`mis.io`. The design note
``docs/design.md`` shows a whole study written with them.
"""

from mis.study._recipe import CanaryData as CanaryData
from mis.study._recipe import canary_data as canary_data
from mis.study._recipe import is_image_set as is_image_set
from mis.study._recipe import network_learner as network_learner
from mis.study._spec import Study as Study

__all__ = ["CanaryData", "Study", "canary_data", "is_image_set", "network_learner"]
