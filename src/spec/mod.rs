//! The spec file: its types (`types`) with their defaults and limits (`limits`), how it
//! is read (`load`), where each key stands in the text (`source_map`), and `${...}`
//! interpolation (`interpolate`).

pub mod interpolate;
pub mod limits;
pub mod load;
pub mod source_map;
mod two_shapes;
pub mod types;

pub use load::{LoadError, SpecFile, load, parse};
pub use types::Spec;
