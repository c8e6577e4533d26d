//! placeholder: netlink
