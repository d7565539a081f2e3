//! The diagnostic codes of this crate: `C3xx` (correlations and filters; the syntax crate's
//! condition codes are `C1xx`).

adsigma_syntax::define_codes! {
    UNKNOWN_RULE_REFERENCE = "C301", "unknown_rule_reference", Error, "A correlation names a rule or correlation (by id or name) that is not loaded.";
    AMBIGUOUS_RULE_REFERENCE = "C302", "ambiguous_rule_reference", Error, "A correlation or filter reference matches several rules.";
    CORRELATION_CYCLE = "C303", "correlation_cycle", Error, "Correlations reference each other in a cycle.";
    INVALID_ALIAS = "C304", "invalid_alias", Error, "An alias names a rule the correlation does not reference, or the same rule twice.";
    TOO_MANY_RULES = "C305", "too_many_correlated_rules", Error, "A correlation references more than 64 rules.";
    UNKNOWN_FILTER_REFERENCE = "C306", "unknown_filter_reference", Warning, "A filter names a rule that is not loaded.";
    FILTER_LOGSOURCE_MISMATCH = "C307", "filter_logsource_mismatch", Warning, "A filter names a rule whose logsource lacks a field the filter's logsource sets; it is not applied to it.";
    INVALID_TEST_SEQUENCE = "C308", "invalid_test_sequence", Error, "A `tests.sequences` entry is not `{events: [...], expect: N | [ids]}`.";
    DUPLICATE_CORRELATION_REFERENCE = "C309", "duplicate_correlation_reference", Warning, "A correlation lists the same rule twice (allowed only in temporal_ordered).";
}
