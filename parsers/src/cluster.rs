//! placeholder: cluster
