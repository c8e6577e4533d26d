#!/usr/bin/env python3
"""Dump rtnetlink state of the current network namespace as raw kernel bytes.

Writes one file per dump into OUTDIR: every RTM_NEW* message exactly as the kernel sent it
(nlmsghdr + payload, 4-byte aligned), NLMSG_DONE left out. Read-only: dump requests only.
Run it inside the namespace: `ip netns exec NS python3 capture.py OUTDIR`.
"""
import os
import socket
import struct
import sys

NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH = 18, 22, 26, 30
AF_UNSPEC, AF_INET, AF_BRIDGE, AF_INET6 = 0, 2, 7, 10
IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS = 29, 1 << 3


def dump(msg_type, payload):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.bind((0, 0))
    s.send(struct.pack("=IHHII", 16 + len(payload), msg_type, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + payload)
    out = b""
    while True:
        data = s.recv(1 << 20)
        off = 0
        while off < len(data):
            ln, typ, _flags, _seq, _pid = struct.unpack_from("=IHHII", data, off)
            if typ == NLMSG_DONE:
                s.close()
                return out
            if typ == NLMSG_ERROR:
                raise OSError(-struct.unpack_from("=i", data, off + 16)[0], "netlink error")
            aligned = (ln + 3) & ~3
            out += data[off:off + ln] + b"\0" * (aligned - ln)
            off += aligned


def ifinfomsg():
    # ifinfomsg + IFLA_EXT_MASK(RTEXT_FILTER_SKIP_STATS), as netdiag's collector asks.
    return struct.pack("=BxHiII", AF_UNSPEC, 0, 0, 0, 0) + struct.pack("=HHI", 8, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)


def rtmsg(family):
    return struct.pack("=BBBBBBBBI", family, 0, 0, 0, 0, 0, 0, 0, 0)


def ndmsg(family):
    return struct.pack("=BxxxiHBB", family, 0, 0, 0, 0)


def main():
    outdir = sys.argv[1]
    dumps = {
        "links.bin": (RTM_GETLINK, ifinfomsg()),
        "addrs.bin": (RTM_GETADDR, struct.pack("=BBBBi", AF_UNSPEC, 0, 0, 0, 0)),
        "routes4.bin": (RTM_GETROUTE, rtmsg(AF_INET)),
        "routes6.bin": (RTM_GETROUTE, rtmsg(AF_INET6)),
        "neigh4.bin": (RTM_GETNEIGH, ndmsg(AF_INET)),
        "neigh6.bin": (RTM_GETNEIGH, ndmsg(AF_INET6)),
        "fdb.bin": (RTM_GETNEIGH, ndmsg(AF_BRIDGE)),
    }
    for name, (typ, payload) in dumps.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(dump(typ, payload))


if __name__ == "__main__":
    main()
