//! The incremental correlator against a brute-force recomputation.
