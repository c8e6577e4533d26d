//! The edges where netdiag reads the world: netlink (live, in any network namespace), files
//! (dumps and resources on disk).

pub mod netlink;
