#!/usr/bin/env python3
"""check_json.py STRATA FIXTURE — every field of `strata fds --json PID` on
a process holding one descriptor of each kind (tests/proc/fixture_fds.c),
checked against what the fixture says it opened and against os.stat.
Kernel-dependent fields (sock_diag peers, inotify paths, eventfd's
semaphore flag) are checked where the kernel offers them; what is left out
is printed. Exit 0 when every check holds."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture import Fixture, run_json  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def eq(got, want, what):
    check(got == want, f"{what}: got {got!r}, want {want!r}")


def dev(st):
    return f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}"


def main():
    strata, fixture = sys.argv[1], sys.argv[2]
    fx = Fixture(fixture)
    try:
        run(strata, fx)
    finally:
        fx.close()
    for f in failures:
        print("FAIL", f)
    print(f"fds --json: {len(failures)} failures")
    return 1 if failures else 0


def common(o, fx, typ, flags):
    eq(o["pid"], fx.pid, f"fd {o['fd']} pid")
    eq(o["command"], "fds_fixture", f"fd {o['fd']} command")
    eq(o["assoc"], "fd", f"fd {o['fd']} assoc")
    eq(o["type"], typ, f"fd {o['fd']} type")
    for fl in flags:
        check(fl in o["flags"], f"fd {o['fd']} flags {o['flags']} lack {fl}")
    check(o["flags"][0] in ("O_RDONLY", "O_WRONLY", "O_RDWR"), f"fd {o['fd']} access first")
    check(os.readlink(f"/proc/{fx.pid}/fd/{o['fd']}") == o["link"], f"fd {o['fd']} link")


def files(by, fx):
    p = os.path.join(fx.dir, "fixture-file")
    st = os.stat(p)
    o = by[fx.fd("file")]
    common(o, fx, "file", ["O_RDWR", "O_APPEND"])
    eq((o["path"], o["pos"], o["size"], o["ino"], o["dev"], o["deleted"]),
       (p, 1234, 4096, st.st_ino, dev(st), False), "file")
    o = by[fx.fd("deleted")]
    common(o, fx, "file", ["O_RDONLY", "O_CLOEXEC"])
    eq((o["path"], o["deleted"], o["pos"]),
       (os.path.join(fx.dir, "fixture-deleted") + " (deleted)", True, 0), "deleted")
    o = by[fx.fd("dir")]
    common(o, fx, "dir", [])
    eq((o["path"], o["ino"]), (fx.dir, os.stat(fx.dir).st_ino), "dir")
    o = by[fx.fd("device")]
    common(o, fx, "device", ["O_WRONLY"])
    eq((o["path"], o["rdev"]), ("/dev/null", "1:3"), "device")


def peers(o):
    return sorted((p["pid"], p["fd"], p.get("mode")) for p in o["peers"])


def pipes(by, fx):
    child = fx.fd("child")
    o = by[fx.fd("pipe_r")]
    common(o, fx, "pipe", ["O_RDONLY"])
    eq(o["link"], f"pipe:[{o['ino']}]", "pipe link/ino")
    eq(peers(o), [(child, fx.fd("child_pipe_w"), "w")], "pipe peers")
    eq(o["peers"][0]["command"], "fds_fixture", "pipe peer command")
    check("pos" not in o, "a pipe has no pos")
    o = by[fx.fd("fifo_r")]
    common(o, fx, "fifo", ["O_RDONLY", "O_NONBLOCK"])
    eq(o["path"], os.path.join(fx.dir, "fixture-fifo"), "fifo path")
    eq(peers(o), sorted([(fx.pid, fx.fd("fifo_w"), "w"), (child, fx.fd("fifo_r"), "r"),
                         (child, fx.fd("fifo_w"), "w")]), "fifo peers")


def sock(by, fx, key, family, proto, state, local, remote):
    o = by[fx.fd(key)]
    common(o, fx, "socket", ["O_RDWR"])
    eq((o["family"], o["proto"], o["state"], o["local"], o["remote"]),
       (family, proto, state, local, remote), key)
    eq(o["link"], f"socket:[{o['ino']}]", f"{key} link/ino")
    return o


def sockets(by, fx):
    path = os.path.join(fx.dir, "fixture.sock")
    a = sock(by, fx, "pair_a", "unix", "stream", "ESTABLISHED", None, None)
    sock(by, fx, "unix_listen", "unix", "seqpacket", "LISTEN", path, None)
    sock(by, fx, "unix_abstract", "unix", "dgram", "UNCONNECTED", fx.v["unix_abstract_name"],
         None)
    if a["source"] == "sock_diag":
        b = by[fx.fd("pair_b")]
        eq((a["peer"]["pid"], a["peer"]["fd"]), (fx.pid, fx.fd("pair_b")), "pair_a peer")
        eq((b["peer"]["pid"], b["peer"]["fd"]), (fx.pid, fx.fd("pair_a")), "pair_b peer")
        eq(a["peer_ino"], b["ino"], "pair_a peer_ino")
        c = sock(by, fx, "unix_client", "unix", "seqpacket", "ESTABLISHED", None, path)
        sock(by, fx, "unix_server", "unix", "seqpacket", "ESTABLISHED", path, None)
        eq(c["peer"]["fd"], fx.fd("unix_server"), "unix_client peer")
    else:
        print("SKIP Unix peers: sock_diag did not answer")
    lo = f"127.0.0.1:{fx.v['tcp_port']}"
    cl = f"127.0.0.1:{fx.v['tcp_client_port']}"
    sock(by, fx, "tcp_listen", "inet", "tcp", "LISTEN", lo, None)
    sock(by, fx, "tcp_client", "inet", "tcp", "ESTABLISHED", cl, lo)
    sock(by, fx, "tcp_server", "inet", "tcp", "ESTABLISHED", lo, cl)
    u = f"127.0.0.1:{fx.v['udp_port']}"
    sock(by, fx, "udp", "inet", "udp", "UNCONNECTED", u, None)
    sock(by, fx, "udp_connected", "inet", "udp", "ESTABLISHED",
         f"127.0.0.1:{fx.v['udp_connected_port']}", u)


def epoll(by, fx):
    o = by[fx.fd("epoll")]
    common(o, fx, "epoll", ["O_RDWR", "O_CLOEXEC"])
    t = {x["fd"]: x for x in o["targets"]}
    eq(sorted(t), sorted([fx.fd("pipe_r"), fx.fd("eventfd"), fx.fd("epoll_stale"),
                          fx.fd("epoll_reused")]), "epoll target fds")
    eh = ["EPOLLERR", "EPOLLHUP"]  # the kernel adds these to every registration
    want = {fx.fd("pipe_r"): (["EPOLLIN", "EPOLLET"], 0x1111, False),
            fx.fd("eventfd"): (["EPOLLOUT", "EPOLLONESHOT"], 0x2222, False),
            fx.fd("epoll_stale"): (["EPOLLIN", "EPOLLRDHUP"], 0x3333, True),
            fx.fd("epoll_reused"): (["EPOLLPRI"], 0x4444, True)}
    for fd, (ev, data, stale) in want.items():
        eq(sorted(t[fd]["events"]), sorted(ev + eh), f"epoll target {fd} events")
        eq(t[fd]["data"], data, f"epoll target {fd} data")
        eq(t[fd]["stale"], stale, f"epoll target {fd} stale")


def anon(by, fx):
    o = by[fx.fd("eventfd")]
    common(o, fx, "eventfd", ["O_NONBLOCK"])
    eq(o["count"], 7, "eventfd count")
    if o["semaphore"] is None:
        print("SKIP eventfd semaphore: the kernel's fdinfo does not say")
    else:
        eq(o["semaphore"], True, "eventfd semaphore")
    o = by[fx.fd("timerfd")]
    common(o, fx, "timerfd", ["O_CLOEXEC"])
    eq((o["clock"], o["interval_ns"]), ("CLOCK_MONOTONIC", 2500000000), "timerfd")
    check(900e9 < o["remaining_ns"] <= 1000e9, f"timerfd remaining {o['remaining_ns']}")
    o = by[fx.fd("signalfd")]
    common(o, fx, "signalfd", [])
    eq(o["signals"], ["SIGUSR1", "SIGUSR2"], "signalfd signals")
    o = by[fx.fd("inotify")]
    common(o, fx, "inotify", ["O_NONBLOCK"])
    eq(len(o["watches"]), 1, "inotify watches")
    w = o["watches"][0]
    eq(sorted(w["mask"]), ["IN_CREATE", "IN_DELETE"], "inotify mask")
    eq(w["ino"], os.stat(fx.dir).st_ino, "inotify ino")
    if os.geteuid() == 0:
        eq(w["path"], fx.dir, "inotify path")
    else:
        print("SKIP inotify path: needs CAP_DAC_READ_SEARCH")
    o = by[fx.fd("memfd")]
    common(o, fx, "memfd", ["O_RDWR"])
    eq((o["name"], o["size"], sorted(o["seals"]), o["pos"]),
       ("strata-fixture", 8192, ["F_SEAL_GROW", "F_SEAL_SHRINK"], 0), "memfd")
    if "pidfd" in fx.v:
        o = by[fx.fd("pidfd")]
        common(o, fx, "pidfd", [])
        eq(o["target_pid"], fx.fd("child"), "pidfd target_pid")
    else:
        print("SKIP pidfd: pidfd_open not available")


def mappings(objs, fx):
    mem = {o["path"]: o for o in objs if o["assoc"] == "mem"}
    p = os.path.join(fx.dir, "fixture-mapped")
    check(p in mem, "mapped file listed")
    if p in mem:
        m = mem[p]
        eq((m["fd"], m["type"], m["size"], m["mappings"], m["mapped_bytes"], m["exe"],
            m["ino"]), (None, "file", 3 * 4096, 1, 2 * 4096, False, os.stat(p).st_ino), "mem")
    check(any(o["exe"] and o["path"].endswith("fds_fixture") for o in mem.values()),
          "the executable is a mapping with exe: true")


def run(strata, fx):
    objs = run_json([strata, "fds", "--json", str(fx.pid)])
    by = {o["fd"]: o for o in objs if o["assoc"] == "fd"}
    listed = sorted(int(n) for n in os.listdir(f"/proc/{fx.pid}/fd"))
    eq(sorted(by), listed, "every descriptor listed once")
    files(by, fx)
    pipes(by, fx)
    sockets(by, fx)
    epoll(by, fx)
    anon(by, fx)
    mappings(objs, fx)


if __name__ == "__main__":
    sys.exit(main())
