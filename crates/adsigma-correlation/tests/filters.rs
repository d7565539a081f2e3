//! Meta filters.
