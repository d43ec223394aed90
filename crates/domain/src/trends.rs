//! Monthly trends: figures counted per calendar month.
