//! Integration tests: the real `sesinfra` binary, driven as a user would. One test binary
//! (faster to build); helpers in `support`.

mod cli;
mod examples;
mod fixtures;
mod support;
