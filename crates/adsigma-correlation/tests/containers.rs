//! The container correlation rules and their sequences.
