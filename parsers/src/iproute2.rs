//! placeholder: iproute2
