#!/usr/bin/env python3
"""diff_lsof.py STRATA FIXTURE — `strata fds --json` against util-linux
`lsfd -J` and `lsof -F` on the same process (tests/proc/fixture_fds.c,
which holds one descriptor of each kind), field by field where the tools
share a field:

  lsfd: type class, open flags, position, inode, device, size, deleted,
        name of files; the mapped files (inodes, mapped pages)
  lsof: access mode, type class, inode, offset, size, name of files;
        TCP/UDP local->remote and state; Unix socket path and state;
        the mapped files (inodes)

A tool that is missing is skipped with a message (lsof and lsfd are
installed by tools/deps.sh). Prints each difference and the counts; exit 0
when every shared field agrees."""
import json
import os
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture import Fixture, run_json  # noqa: E402

diffs = []
notes = []
compared = {"lsfd": 0, "lsof": 0}


def same(tool, what, ours, theirs):
    compared[tool] += 1
    if ours != theirs:
        diffs.append(f"{tool}: {what}: strata {ours!r}, {tool} {theirs!r}")


# strata type -> lsfd TYPE and lsof t
LSFD_TYPE = {"file": "REG", "memfd": "REG", "dir": "DIR", "pipe": "FIFO", "fifo": "FIFO",
             "socket": "SOCK"}
LSOF_TYPE = {"file": "REG", "memfd": "REG", "dir": "DIR", "pipe": "FIFO", "fifo": "FIFO"}
SOCK_LSOF = {"unix": "unix", "inet": "IPv4", "inet6": "IPv6"}
LSOF_STATE = {"ESTABLISHED": "CONNECTED", "LISTEN": "LISTEN", "UNCONNECTED": "UNCONNECTED"}


def lsfd_flags(ours):
    """Our O_* names as lsfd spells them (it leaves out rdonly and largefile)."""
    out = set()
    for f in ours:
        n = f[2:].lower()
        if n not in ("rdonly", "largefile"):
            out.add(n)
    return out


def kernel_flags(pid, fd):
    with open(f"/proc/{pid}/fdinfo/{fd}") as f:
        for line in f:
            if line.startswith("flags:"):
                return int(line.split()[1], 8)
    return 0


def device_type(o):
    return "BLK" if stat.S_ISBLK(os.stat(o["path"]).st_mode) else "CHR"


def vs_lsfd(fx, objs):
    cols = "ASSOC,FD,TYPE,FLAGS,POS,INODE,DEV,SIZE,DELETED,NAME,MAPLEN"
    out = subprocess.run(["lsfd", "-J", "-p", str(fx.pid), "-o", cols], stdout=subprocess.PIPE,
                         check=True).stdout
    rows = json.loads(out)["lsfd"]
    theirs = {r["fd"]: r for r in rows if r["assoc"].isdigit()}
    ours = {o["fd"]: o for o in objs if o["assoc"] == "fd"}
    same("lsfd", "descriptor numbers", sorted(ours), sorted(theirs))
    for fd, o in ours.items():
        t = theirs.get(fd)
        if not t:
            continue
        typ = device_type(o) if o["type"] == "device" else LSFD_TYPE.get(o["type"], "UNKN")
        same("lsfd", f"fd {fd} type", typ, t["type"])
        theirs_flags = set(x for x in (t["flags"] or "").split(",") if x)
        if "_tmpfile" in theirs_flags and kernel_flags(fx.pid, fd) & 0o20000000 == 0:
            # lsfd 2.38 names O_DIRECTORY "_tmpfile" (O_TMPFILE includes that
            # bit); the kernel's flags have no __O_TMPFILE: strata is right
            notes.append(f"lsfd: fd {fd}: reads O_DIRECTORY as _tmpfile (kernel flags "
                         f"{kernel_flags(fx.pid, fd):o} have no __O_TMPFILE)")
            theirs_flags.discard("_tmpfile")
        same("lsfd", f"fd {fd} flags", lsfd_flags(o["flags"]), theirs_flags)
        same("lsfd", f"fd {fd} inode", o.get("ino", t["inode"]), t["inode"])
        if "dev" in o:
            same("lsfd", f"fd {fd} dev", o["dev"], t["dev"])
        if "pos" in o:
            same("lsfd", f"fd {fd} pos", o["pos"], t["pos"])
        if o["type"] in ("file", "memfd"):
            same("lsfd", f"fd {fd} size", o["size"], t["size"])
        if o["type"] in ("file", "dir", "device", "fifo", "memfd"):
            same("lsfd", f"fd {fd} name", o["path"], t["name"])
            same("lsfd", f"fd {fd} deleted", o.get("deleted", False), bool(t["deleted"]))
    # mapped files: lsfd lists each mapping ("mem", or "shm" when shared)
    pages = {}
    for r in rows:
        if r["assoc"] in ("mem", "shm"):
            pages[r["inode"]] = pages.get(r["inode"], 0) + r["maplen"]
    mine = {o["ino"]: o["mapped_bytes"] // 4096 for o in objs if o["assoc"] == "mem"}
    same("lsfd", "mapped files (inode -> pages)", mine, pages)


def lsof_fields(args, pid):
    """lsof -F output as {fd: {field: value}} and the mapped inodes."""
    out = subprocess.run(["lsof", "-n", "-P", "-T", "s", "-p", str(pid)] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
    fds, cur, mem = {}, None, set()
    for line in out.splitlines():
        if not line:
            continue
        k, v = line[0], line[1:]
        if k == "f":
            cur = {"f": v}
            if v.isdigit():
                fds[int(v)] = cur
        elif cur is not None:
            if k == "T":
                cur.setdefault("T", {})[v.split("=")[0]] = v.split("=", 1)[1]
            else:
                cur[k] = v
            if k == "i" and cur["f"] in ("mem", "txt"):
                mem.add(int(v))
    return fds, mem


def vs_lsof(fx, objs):
    offs, mem = lsof_fields(["-o", "-F", "fatinoT"], fx.pid)
    sizes, _ = lsof_fields(["-s", "-F", "fs"], fx.pid)
    ours = {o["fd"]: o for o in objs if o["assoc"] == "fd"}
    same("lsof", "descriptor numbers", sorted(ours), sorted(offs))
    acc = {"O_RDONLY": "r", "O_WRONLY": "w", "O_RDWR": "u"}
    for fd, o in ours.items():
        t = offs.get(fd)
        if not t:
            continue
        same("lsof", f"fd {fd} access", acc[o["flags"][0]], t.get("a"))
        if o["type"] in LSOF_TYPE:
            same("lsof", f"fd {fd} type", LSOF_TYPE[o["type"]], t.get("t"))
        elif o["type"] == "socket":
            same("lsof", f"fd {fd} type", SOCK_LSOF.get(o["family"], "sock"), t.get("t"))
        if "i" in t:
            same("lsof", f"fd {fd} inode", o.get("ino"), int(t["i"]))
        if "pos" in o and o["type"] in ("file", "memfd", "dir"):
            same("lsof", f"fd {fd} offset", f"0t{o['pos']}", t.get("o"))
        if o["type"] in ("file", "memfd"):
            same("lsof", f"fd {fd} size", str(o["size"]), sizes.get(fd, {}).get("s"))
        if o["type"] in ("file", "dir", "fifo", "memfd"):
            same("lsof", f"fd {fd} name", o["path"], t.get("n"))
        if o["type"] == "socket" and o["family"] in ("inet", "inet6"):
            name = o["local"] + ("->" + o["remote"] if o["remote"] else "")
            same("lsof", f"fd {fd} addresses", name, t.get("n"))
            if o["proto"] == "tcp":
                same("lsof", f"fd {fd} state", o["state"], t.get("T", {}).get("ST"))
        if o["type"] == "socket" and o["family"] == "unix":
            n = t.get("n", "")
            path = n.split(" type=")[0] if not n.startswith("type=") else None
            same("lsof", f"fd {fd} unix name", o["local"] or None, path or None)
            same("lsof", f"fd {fd} unix state", LSOF_STATE.get(o["state"]),
                 t.get("T", {}).get("ST"))
    mine = {o["ino"] for o in objs if o["assoc"] == "mem"}
    same("lsof", "mapped files (inodes)", mine, mem)


def main():
    strata, fixture = sys.argv[1], sys.argv[2]
    fx = Fixture(fixture)
    try:
        objs = run_json([strata, "fds", "--json", str(fx.pid)])
        for tool, fn in (("lsfd", vs_lsfd), ("lsof", vs_lsof)):
            if shutil.which(tool):
                fn(fx, objs)
            else:
                print(f"SKIP {tool}: not installed (tools/deps.sh installs it)")
    finally:
        fx.close()
    for n in notes:
        print("NOTE", n)
    for d in diffs:
        print("DIFF", d)
    print(f"fds differential: {compared['lsfd']} fields compared with lsfd, "
          f"{compared['lsof']} with lsof, {len(diffs)} different")
    return 1 if diffs or not any(compared.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
