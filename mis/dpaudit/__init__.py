"""``mis dpaudit``: DP-SGD audited by an attack. Shadow models trained with DP-SGD at several
noise multipliers, LiRA on mislabeled canaries and ordinary points, the empirical ε lower bound
beside the accountant's ε; or (``--mode one-run``) one run per σ with a thousand canaries
(mislabeled, out-of-distribution or Dirac gradient canaries; black-box, white-box or
every-step observers) and Steinke et al.'s bound. A thin study over :mod:`mis.shadow` (DP-SGD,
gradient canaries, accountant), :mod:`mis.attacks` (LiRA, white-box scores) and
:mod:`mis.audit` (ε from an attack, one run, Gaussian DP)."""

from mis.dpaudit._config import CANARIES as CANARIES
from mis.dpaudit._config import DATASETS as DATASETS
from mis.dpaudit._config import MODES as MODES
from mis.dpaudit._config import OBSERVERS as OBSERVERS
from mis.dpaudit._config import DPAuditConfig as DPAuditConfig
from mis.dpaudit._learner import audit_learner as audit_learner
from mis.dpaudit._one_run import OneRunRow as OneRunRow
from mis.dpaudit._one_run import one_run_data as one_run_data
from mis.dpaudit._one_run import one_run_sigma as one_run_sigma
from mis.dpaudit._one_run import run_one_run as run_one_run
from mis.dpaudit._pipeline import AuditData as AuditData
from mis.dpaudit._pipeline import DPAuditResult as DPAuditResult
from mis.dpaudit._pipeline import DPAuditRow as DPAuditRow
from mis.dpaudit._pipeline import audit_data as audit_data
from mis.dpaudit._pipeline import audit_sigma as audit_sigma
from mis.dpaudit._pipeline import run_dpaudit as run_dpaudit
from mis.dpaudit._report import console_summary as console_summary
from mis.dpaudit._report import dpaudit_outputs as dpaudit_outputs
from mis.dpaudit._report import table_rows as table_rows
from mis.dpaudit._report import verdict as verdict
from mis.dpaudit._study import STUDY as STUDY

__all__ = ["STUDY", "CANARIES", "DATASETS", "MODES", "OBSERVERS", "AuditData", "DPAuditConfig",
           "DPAuditResult", "DPAuditRow", "OneRunRow", "one_run_data", "one_run_sigma",
           "run_one_run", "audit_data", "audit_learner", "audit_sigma", "console_summary",
           "dpaudit_outputs",
           "run_dpaudit", "table_rows", "verdict"]
