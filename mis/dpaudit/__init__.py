"""``mis dpaudit``: DP-SGD audited by an attack. Shadow models trained with DP-SGD at several
noise multipliers, LiRA on mislabeled canaries and ordinary points, the empirical ε lower bound
beside the accountant's ε. A thin study over :mod:`mis.shadow` (DP-SGD, accountant),
:mod:`mis.attacks` (LiRA) and :mod:`mis.audit` (ε from an attack)."""

from mis.dpaudit._config import DATASETS as DATASETS
from mis.dpaudit._config import DPAuditConfig as DPAuditConfig
from mis.dpaudit._pipeline import AuditData as AuditData
from mis.dpaudit._pipeline import DPAuditResult as DPAuditResult
from mis.dpaudit._pipeline import DPAuditRow as DPAuditRow
from mis.dpaudit._pipeline import audit_data as audit_data
from mis.dpaudit._pipeline import audit_learner as audit_learner
from mis.dpaudit._pipeline import audit_sigma as audit_sigma
from mis.dpaudit._pipeline import run_dpaudit as run_dpaudit
from mis.dpaudit._report import console_summary as console_summary
from mis.dpaudit._report import dpaudit_outputs as dpaudit_outputs
from mis.dpaudit._report import table_rows as table_rows
from mis.dpaudit._report import verdict as verdict
from mis.dpaudit._study import STUDY as STUDY

__all__ = ["STUDY", "DATASETS", "AuditData", "DPAuditConfig", "DPAuditResult", "DPAuditRow",
           "audit_data", "audit_learner", "audit_sigma", "console_summary", "dpaudit_outputs",
           "run_dpaudit", "table_rows", "verdict"]
