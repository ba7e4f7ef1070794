"""Compliance tests TEST01 / TEST04 / TEST05: the audit.config LoadGen needs, and our own
verification of their logs (verify_performance.txt / verify_accuracy.txt with TEST PASS/FAIL)."""
from .audit import AuditConfigError, audit_config_text, loadgen_overrides, tests_for
from .verify import VerifyResult, verify_accuracy, verify_performance, write_verification

__all__ = ["AuditConfigError", "audit_config_text", "loadgen_overrides", "tests_for", "VerifyResult", "verify_accuracy",
           "verify_performance", "write_verification"]
