//! Bounds that keep hostile input from hanging the parser or exhausting memory.

/// Limits applied while reading documents. Every limit has a documented default; exceeding
/// one is an error diagnostic naming it, never a panic, a hang or unbounded memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes. Default 8 MiB (the largest SigmaHQ rule is under 200 KiB).
    pub max_file_size: usize,
    /// Deepest YAML nesting of sequences and mappings. Default 64.
    pub max_yaml_depth: usize,
    /// Most nodes that YAML aliases may expand to in one document. Default 10,000.
    pub max_alias_nodes: usize,
    /// Most YAML nodes in one file, aliases excluded. Default 1,000,000.
    pub max_yaml_nodes: usize,
    /// Deepest nesting of a condition (parentheses and `not`). Default 64.
    pub max_condition_depth: usize,
    /// Most search identifiers in one detection. Default 1,000.
    pub max_identifiers: usize,
    /// Most values in one detection, all identifiers together. Default 100,000.
    pub max_values: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 8 * 1024 * 1024,
            max_yaml_depth: 64,
            max_alias_nodes: 10_000,
            max_yaml_nodes: 1_000_000,
            max_condition_depth: 64,
            max_identifiers: 1_000,
            max_values: 100_000,
        }
    }
}
