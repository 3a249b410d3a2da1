//! Consistency of scores across classes and of models with preferences.
//!
//! * [`opis`]: OPIS and epsilon-OPIS (Zhang et al., ICLR 2024), threshold consistency of an
//!   embedding model across classes, with pairs streamed (no n x n matrix);
//! * [`preference`]: ranking accuracy, idealized ranking accuracy and difficulty of
//!   preference data (Chen et al., NeurIPS 2024).

pub mod opis;
pub mod preference;
