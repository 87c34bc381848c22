//! Guest programs for pbios's integration tests and the demo disk.
pub mod conformance;
pub mod demo;
pub mod harness;
pub mod images;
pub mod seabios;
