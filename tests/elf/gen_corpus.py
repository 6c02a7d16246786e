#!/usr/bin/env python3
"""gen_corpus.py OUTDIR — writes the crafted ELF corpus (malformed and
unusual files) and OUTDIR/MANIFEST, one line per file:

    name|open|CODE|MESSAGE-SUBSTRING|OFFSET   strata_elf_open must fail so
    name|ok|key=value|key=value...             strata_elf_open succeeds and
                                              the listed facts hold

Keys: sections, segments, text, data, bss (Berkeley, as size computes),
common (size --common's total of common symbols), pie (1 for a PIE),
flags1 (the DT_FLAGS_1 value),
size=ENOEXEC (binutils would not recognise it), name<N>=section N's name,
interp, buildid, phnum, shnum, shstrndx, data<N>=EINVAL (section N's bytes
lie outside the file), core=1. Every file is also run through
diff_size.py, which compares `strata size` with binutils' `size`.
The files are built with struct only, so the generator runs anywhere."""
import os
import struct
import sys

ET_REL, ET_EXEC, ET_DYN, ET_CORE = 1, 2, 3, 4
SHT = dict(NULL=0, PROGBITS=1, SYMTAB=2, STRTAB=3, RELA=4, NOTE=7, NOBITS=8, DYNSYM=11)
SHF_W, SHF_A, SHF_X, SHF_TLS, SHF_COMPRESSED = 1, 2, 4, 0x400, 0x800
PT_LOAD, PT_INTERP, PT_NOTE, PT_TLS = 1, 3, 4, 7
PF_X, PF_W, PF_R = 1, 2, 4


class Elf:
    """Lays out: header, program headers, section bytes, .shstrtab, then
    the section header table. Fields can be patched afterwards."""

    def __init__(self, cls=64, be=False, etype=ET_EXEC, machine=62):
        self.cls, self.be, self.etype, self.machine = cls, be, etype, machine
        self.sections = []  # dicts
        self.segments = []  # dicts
        self.e = "<>"[be]

    def sec(self, name, type, flags=0, addr=0, data=b"", size=None, link=0, info=0, align=1,
            entsize=0):
        self.sections.append(dict(name=name, type=type, flags=flags, addr=addr, data=data,
                                  size=len(data) if size is None else size, link=link,
                                  info=info, align=align, entsize=entsize))
        return len(self.sections)  # index (section 0 is the null one)

    def seg(self, type, flags=PF_R, vaddr=0, sec=None, filesz=None, memsz=None, offset=None,
            align=0x1000):
        self.segments.append(dict(type=type, flags=flags, vaddr=vaddr, sec=sec, filesz=filesz,
                                  memsz=memsz, offset=offset, align=align))

    def build(self):
        is64 = self.cls == 64
        ehsize, phent, shent = (64, 56, 64) if is64 else (52, 32, 40)
        out = bytearray(ehsize + phent * len(self.segments))
        offs = []
        for s in self.sections:
            out += b"\0" * (-len(out) % max(s["align"], 1))
            offs.append(len(out))
            if s["type"] != SHT["NOBITS"]:
                out += s["data"]
        names = bytearray(b"\0")
        name_off = []
        for s in self.sections + [dict(name=".shstrtab")]:
            name_off.append(len(names))
            names += s["name"].encode() + b"\0"
        shstr_off = len(out)
        out += names
        out += b"\0" * (-len(out) % 8)
        shoff = len(out)
        e = self.e
        shdrs = [dict(name=0, type=0, flags=0, addr=0, off=0, size=0, link=0, info=0, align=0,
                      entsize=0)]
        for i, s in enumerate(self.sections):
            shdrs.append(dict(name=name_off[i], type=s["type"], flags=s["flags"],
                              addr=s["addr"], off=offs[i], size=s["size"], link=s["link"],
                              info=s["info"], align=s["align"], entsize=s["entsize"]))
        shdrs.append(dict(name=name_off[-1], type=3, flags=0, addr=0, off=shstr_off,
                          size=len(names), link=0, info=0, align=1, entsize=0))
        for h in shdrs:
            if is64:
                out += struct.pack(e + "IIQQQQIIQQ", h["name"], h["type"], h["flags"],
                                   h["addr"], h["off"], h["size"], h["link"], h["info"],
                                   h["align"], h["entsize"])
            else:
                out += struct.pack(e + "IIIIIIIIII", h["name"], h["type"], h["flags"],
                                   h["addr"], h["off"], h["size"], h["link"], h["info"],
                                   h["align"], h["entsize"])
        ident = b"\x7fELF" + bytes([2 if is64 else 1, 2 if self.be else 1, 1, 0]) + b"\0" * 8
        fmt = e + ("16sHHIQQQIHHHHHH" if is64 else "16sHHIIIIIHHHHHH")
        struct.pack_into(fmt, out, 0, ident, self.etype, self.machine, 1, 0x1000,
                         ehsize if self.segments else 0, shoff, 0, ehsize, phent,
                         len(self.segments), shent, len(shdrs), len(shdrs) - 1)
        for i, p in enumerate(self.segments):
            s = self.sections[p["sec"] - 1] if p["sec"] else None
            off = p["offset"] if p["offset"] is not None else (offs[p["sec"] - 1] if s else 0)
            fsz = p["filesz"] if p["filesz"] is not None else (
                s["size"] if s and s["type"] != SHT["NOBITS"] else 0)
            msz = p["memsz"] if p["memsz"] is not None else (s["size"] if s else fsz)
            vaddr = p["vaddr"] or (s["addr"] if s else 0)
            base = ehsize + i * phent
            if is64:
                struct.pack_into(e + "IIQQQQQQ", out, base, p["type"], p["flags"], off, vaddr,
                                 vaddr, fsz, msz, p["align"])
            else:
                struct.pack_into(e + "IIIIIIII", out, base, p["type"], off, vaddr, vaddr, fsz,
                                 msz, p["flags"], p["align"])
        self.shoff, self.shent, self.ehsize, self.phent = shoff, shent, ehsize, phent
        self.offs, self.shstr_off, self.names_len = offs, shstr_off, len(names)
        return out

    # Field offsets for patching.
    def eh(self, field):
        is64 = self.cls == 64
        table = {"shoff": (40, "Q") if is64 else (32, "I"), "phoff": (32, "Q") if is64 else (28, "I"),
                 "phentsize": (54, "H") if is64 else (42, "H"),
                 "phnum": (56, "H") if is64 else (44, "H"),
                 "shentsize": (58, "H") if is64 else (46, "H"),
                 "shnum": (60, "H") if is64 else (48, "H"),
                 "shstrndx": (62, "H") if is64 else (50, "H")}
        return table[field]

    def sh(self, index, field):
        is64 = self.cls == 64
        t64 = {"name": (0, "I"), "type": (4, "I"), "flags": (8, "Q"), "addr": (16, "Q"),
               "offset": (24, "Q"), "size": (32, "Q"), "link": (40, "I"), "info": (44, "I")}
        t32 = {"name": (0, "I"), "type": (4, "I"), "flags": (8, "I"), "addr": (12, "I"),
               "offset": (16, "I"), "size": (20, "I"), "link": (24, "I"), "info": (28, "I")}
        off, fmt = (t64 if is64 else t32)[field]
        return self.shoff + index * self.shent + off, fmt

    def patch(self, buf, where, value):
        off, fmt = where
        struct.pack_into(self.e + fmt, buf, off, value)


def note(name, ntype, desc, align=4, e="<"):
    n = name.encode() + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % align)
    return struct.pack(e + "III", len(n), len(desc), ntype) + pad(n) + pad(desc)


def basic(cls=64, be=False, machine=62, etype=ET_EXEC):
    """An executable-shaped file: .interp, .note.gnu.build-id, .text, .data, .bss."""
    f = Elf(cls, be, etype, machine)
    interp = f.sec(".interp", SHT["PROGBITS"], SHF_A, 0x400200, b"/lib/ld-strata.so\0")
    bid = f.sec(".note.gnu.build-id", SHT["NOTE"], SHF_A, 0x400220,
                note("GNU", 3, bytes(range(20)), e=f.e), align=4)
    text = f.sec(".text", SHT["PROGBITS"], SHF_A | SHF_X, 0x401000, b"\x90" * 300, align=16)
    data = f.sec(".data", SHT["PROGBITS"], SHF_A | SHF_W, 0x402000, b"\1" * 40, align=8)
    bss = f.sec(".bss", SHT["NOBITS"], SHF_A | SHF_W, 0x402028, size=1000, align=8)
    f.seg(PT_INTERP, PF_R, sec=interp, align=1)
    f.seg(PT_NOTE, PF_R, sec=bid, align=4)
    f.seg(PT_LOAD, PF_R | PF_X, sec=text)
    f.seg(PT_LOAD, PF_R | PF_W, sec=data, memsz=40 + 1000)
    return f


def put(buf, off, fmt, v, e="<"):
    struct.pack_into(e + fmt, buf, off, v)


def bid_hex():
    return bytes(range(20)).hex()


OK_BASIC = "sections=7|segments=4|text=354|data=40|bss=1000|interp=/lib/ld-strata.so|buildid=" + bid_hex()


def cases():
    """Yields (name, bytes, manifest fields)."""
    for tag, args in (("le64", (64, False, 62)), ("le32", (32, False, 3)),
                      ("be64", (64, True, 21)), ("be32", (32, True, 20))):
        f = basic(*args)
        yield f"ok_{tag}", f.build(), "ok|" + OK_BASIC + "|name3=.text|name6=.shstrtab"

    f = basic()
    good = f.build()
    yield "trunc_ident", good[:10], "open|ENOEXEC|not an ELF file|0"
    yield "trunc_header", good[:40], "open|EINVAL|truncated ELF header|0"
    yield "empty", b"", "open|ENOEXEC|not an ELF file|0"
    yield "not_elf", b"#!/bin/sh\necho not an elf file\n", "open|ENOEXEC|not an ELF file|0"
    b = bytearray(good); b[4] = 3
    yield "bad_class", b, "open|EINVAL|invalid ELF class|4"
    b = bytearray(good); b[5] = 0
    yield "bad_data", b, "open|EINVAL|invalid ELF data encoding|5"
    yield "trunc_shdrs", good[:f.shoff + 3 * 64 + 10], f"open|EINVAL|section header table|{f.shoff}"
    b = bytearray(good); f.patch(b, f.eh("phoff"), len(good) - 60)
    yield "trunc_phdrs", b, f"open|EINVAL|program header table|{len(good) - 60}"
    b = bytearray(good); f.patch(b, f.eh("shoff"), len(good) + 100)
    yield "shoff_past_eof", b, f"open|EINVAL|past the end of the file|{len(good) + 100}"
    b = bytearray(good); f.patch(b, f.eh("shoff"), 0xffffffffffffff00)
    yield "shoff_overflow", b, f"open|EINVAL|past the end of the file|{0xffffffffffffff00}"
    b = bytearray(good); f.patch(b, f.eh("phoff"), 0xfffffffffffffff8)
    yield "phoff_overflow", b, f"open|EINVAL|program header table|{0xfffffffffffffff8}"
    yield from header_fields(f, good)

    b = bytearray(good); f.patch(b, f.sh(4, "offset"), len(good) + 1000)
    yield "sec_past_eof", b, "ok|sections=7|data4=EINVAL|data3=OK|size_warn=section"
    b = bytearray(good); f.patch(b, f.sh(4, "offset"), 0xffffffffffffff00)
    f.patch(b, f.sh(4, "size"), 0x200)
    yield "sec_overflow", b, "ok|sections=7|data4=EINVAL"
    b = bytearray(good); f.patch(b, f.eh("shstrndx"), 0)
    yield "shstrndx_zero", b, "ok|sections=7|name3=|text=0|data=0|bss=0|size_warn=shstrndx"
    b = bytearray(good); f.patch(b, f.eh("shstrndx"), 200)
    yield "shstrndx_range", b, "ok|sections=7|name3=|text=0|size_warn=shstrndx"
    b = bytearray(good); b[f.shstr_off + f.names_len - 1] = ord("X")
    yield "strtab_nonul", b, "ok|sections=7|name6=.shstrtabX|name3=.text|size=ENOEXEC"
    b = bytearray(good); f.patch(b, f.sh(3, "name"), 100000)
    yield "name_past_strtab", b, "ok|name3=|size=ENOEXEC"

    b = bytearray(good); f.patch(b, f.eh("shoff"), 0); f.patch(b, f.eh("shnum"), 0)
    f.patch(b, f.eh("shstrndx"), 0)
    yield "no_sections", b, "ok|sections=0|segments=4|text=0|data=0|bss=0|interp=/lib/ld-strata.so|buildid=" + bid_hex()

    # SHF_LINK_ORDER to SHN_BEFORE (0xff00): x86 allows the link value,
    # but it names no section (found by fuzz_elf: read past BFD's table).
    b = bytearray(good); f.patch(b, f.sh(3, "flags"), SHF_A | SHF_X | 0x80)
    f.patch(b, f.sh(3, "link"), 0xff00)
    yield "link_order_before", b, "ok|sections=7|size=ENOEXEC"

    b = bytearray(good); f.patch(b, f.eh("shnum"), 0); f.patch(b, f.sh(0, "size"), 7)
    yield "ext_shnum", b, "ok|sections=7|shnum=7|" + OK_BASIC
    b = bytearray(good); f.patch(b, f.eh("shstrndx"), 0xffff); f.patch(b, f.sh(0, "link"), 6)
    yield "ext_shstrndx", b, "ok|shstrndx=6|name3=.text|" + OK_BASIC
    b = bytearray(good); f.patch(b, f.eh("phnum"), 0xffff); f.patch(b, f.sh(0, "info"), 4)
    yield "ext_phnum", b, "ok|phnum=4|" + OK_BASIC
    b = bytearray(good); f.patch(b, f.eh("shnum"), 0); f.patch(b, f.sh(0, "size"), 100000)
    yield "ext_shnum_huge", b, f"open|EINVAL|section header table|{f.shoff}"

    g = basic()
    g.seg(PT_LOAD, PF_R, sec=3)  # a second LOAD over .text
    g.seg(PT_TLS, PF_R, offset=1 << 20, filesz=0, memsz=64, vaddr=0x403000, align=8)
    yield "overlap_and_tls_past_eof", g.build(), "ok|segments=6|" + OK_BASIC.split("|", 2)[2]

    g = Elf()
    g.sec(".te\x1b[2Jxt", SHT["PROGBITS"], SHF_A | SHF_X, 0x401000, b"\x90" * 4)
    yield "name_control_chars", g.build(), "ok|sections=3|text=4"

    g = Elf()
    g.sec(".interp", SHT["PROGBITS"], SHF_A, 0x400200, b"/lib/no-terminator")
    g.seg(PT_INTERP, PF_R, sec=1, align=1)
    yield "interp_nonul", g.build(), "ok|interp=|segments=1"

    g = Elf()
    n = bytearray(note("GNU", 3, bytes(range(20))))
    struct.pack_into("<I", n, 4, 0x7fffffff)  # descsz far past the end
    g.sec(".note.gnu.build-id", SHT["NOTE"], SHF_A, 0x400220, bytes(n), align=4)
    g.seg(PT_NOTE, PF_R, sec=1, align=4)
    yield "note_bad", g.build(), "ok|buildid=|notes=EINVAL"

    yield from objects()
    yield from cores()


def header_fields(f, good):
    """Every ELF header field against binutils' BFD (elf_object_p and
    elf_core_file_p): what size accepts, strata opens with the same sizes.
    Both tables are read at their record size whatever e_phentsize and
    e_shentsize say (as BFD and readelf do); BFD rejects a wrong
    e_shentsize only when e_shnum is not 0."""
    for v in (0, 8, 64, 0xffff):
        b = bytearray(good); f.patch(b, f.eh("phentsize"), v)
        yield f"phentsize_{v}", b, "ok|" + OK_BASIC + "|size_warn=none"
    b = bytearray(good); f.patch(b, f.eh("shentsize"), 8)
    yield "shentsize_small", b, "ok|sections=7|name3=.text|size=ENOEXEC"
    b = bytearray(good); f.patch(b, f.eh("shentsize"), 128)
    yield "shentsize_large", b, "ok|sections=7|name3=.text|size=ENOEXEC"
    # extended numbering: BFD reads section 0 at 64 bytes and checks no e_shentsize
    b = bytearray(good); f.patch(b, f.eh("shnum"), 0); f.patch(b, f.sh(0, "size"), 7)
    f.patch(b, f.eh("shentsize"), 0)
    yield "ext_shnum_shentsize_0", b, "ok|shnum=7|" + OK_BASIC
    # fields BFD never looks at
    b = bytearray(good); put(b, 52, "H", 0)
    yield "ehsize_0", b, "ok|" + OK_BASIC
    b = bytearray(good); put(b, 52, "H", 0xffff)
    yield "ehsize_ffff", b, "ok|" + OK_BASIC
    b = bytearray(good); put(b, 20, "I", 0)
    yield "e_version_0", b, "ok|" + OK_BASIC
    b = bytearray(good); put(b, 24, "Q", 0xffffffffffffffff); put(b, 48, "I", 0xffffffff)
    yield "entry_flags_all_ones", b, "ok|" + OK_BASIC
    b = bytearray(good); b[9:16] = b"\xff" * 7; b[8] = 0xff
    yield "ident_padding", b, "ok|" + OK_BASIC
    b = bytearray(good); b[6] = 0
    yield "ident_version_0", b, "ok|sections=7|size=ENOEXEC"
    # any OS/ABI, and a machine binutils has no target for: the generic
    # ELF target takes the file
    for osabi in (3, 9, 97):
        b = bytearray(good); b[7] = osabi
        yield f"osabi_{osabi}", b, "ok|" + OK_BASIC
    b = bytearray(good); put(b, 18, "H", 0xfffe)
    yield "machine_unknown", b, "ok|" + OK_BASIC
    # e_phoff inside the ELF header: the "program headers" are the header
    # itself (garbage p_align: BFD warns); p_align 3 does the same
    b = bytearray(good); f.patch(b, f.eh("phoff"), 8)
    yield "phoff_in_header", b, "ok|segments=4|text=354|size_warn=phdr"
    b = bytearray(good); put(b, 64 + 2 * 56 + 48, "Q", 3)
    yield "phdr_align_3", b, "ok|" + OK_BASIC + "|size_warn=phdr"
    # e_shoff inside the ELF header with e_shnum 0: no section table at all
    b = bytearray(good); f.patch(b, f.eh("shoff"), 1); f.patch(b, f.eh("shnum"), 0)
    f.patch(b, f.eh("shstrndx"), 0)
    yield "shoff_in_header_no_sections", b, "ok|sections=0|segments=4|text=0|data=0|bss=0"
    # ... and with e_shnum set: BFD rejects, without any warning first
    b = bytearray(good); f.patch(b, f.eh("shoff"), 1)
    yield "shoff_in_header", b, "ok|size=ENOEXEC|size_warn=none"
    # PN_XNUM while section 0's sh_info is 0: e_phnum stays 65535 (too many)
    b = bytearray(good); f.patch(b, f.eh("phnum"), 0xffff)
    yield "pn_xnum_info_0", b, "open|EINVAL|program header table|64"
    # section 0 itself past the end: BFD warns (it checks index 0 too)
    b = bytearray(good); f.patch(b, f.sh(0, "size"), 1 << 30)
    yield "section0_past_eof", b, "ok|" + OK_BASIC + "|size_warn=section"
    # e_type values BFD has no rule for are objects like any other
    for t in (0, 5, 0xfe00, 0xffff):
        b = bytearray(good); put(b, 16, "H", t)
        yield f"type_{t:x}", b, "ok|" + OK_BASIC


def objects():
    # A relocatable object: .rela.text is attached to .text; .symtab/.strtab hidden.
    f = Elf(etype=ET_REL)
    text = f.sec(".text", SHT["PROGBITS"], SHF_A | SHF_X, 0, b"\xc3" * 16, align=16)
    f.sec(".data", SHT["PROGBITS"], SHF_A | SHF_W, 0, b"\0" * 8, align=8)
    f.sec(".bss", SHT["NOBITS"], SHF_A | SHF_W, 0, size=64, align=8)
    strtab = f.sec(".strtab", SHT["STRTAB"], 0, 0, b"\0f\0")
    symtab = f.sec(".symtab", SHT["SYMTAB"], 0, 0, b"\0" * 48, link=strtab, info=1, align=8,
                   entsize=24)
    f.sec(".rela.text", SHT["RELA"], 0x40, 0, b"\0" * 24, link=symtab, info=text, align=8,
          entsize=24)
    f.sec(".debug_info", SHT["PROGBITS"], SHF_COMPRESSED, 0,
          struct.pack("<IIQQ", 1, 0, 4096, 1) + b"x" * 40, align=8)
    f.sec(".comment", SHT["PROGBITS"], 0x30, 0, b"GCC: (strata) 1\0", entsize=1)
    yield "rel_object", f.build(), "ok|sections=10|text=16|data=8|bss=64"

    # Common symbols (size --common): two objects and a section symbol that
    # does not count.
    f = Elf(etype=ET_REL)
    f.sec(".text", SHT["PROGBITS"], SHF_A | SHF_X, 0, b"\xc3" * 8, align=16)
    strtab = f.sec(".strtab", SHT["STRTAB"], 0, 0, b"\0c1\0c2\0")
    sym = lambda name, info, shndx, value, size: struct.pack("<IBBHQQ", name, info, 0, shndx,
                                                             value, size)
    syms = sym(0, 0, 0, 0, 0) + sym(1, 0x11, 0xfff2, 32, 400) + sym(4, 0x11, 0xfff2, 4, 4) + \
        sym(0, 3, 0xfff2, 0, 99)
    f.sec(".symtab", SHT["SYMTAB"], 0, 0, syms, link=strtab, info=1, align=8, entsize=24)
    yield "common_object", f.build(), "ok|common=404|text=8|bss=0"

    yield from groups()

    # 60,000 string tables and no symbol table: BFD looks, for each, for the
    # tables that link to it; strata must stay linear (fast=1).
    f = Elf(etype=ET_EXEC)
    for _ in range(60000):
        f.sec(".s", SHT["STRTAB"], 0, 0, b"")
    yield "many_strtabs", f.build(), "ok|sections=60002|text=0|fast=1"

    # A position-independent executable: DT_FLAGS_1 carries DF_1_PIE.
    f = Elf(etype=ET_DYN)
    f.sec(".text", SHT["PROGBITS"], SHF_A | SHF_X, 0x1000, b"\xc3" * 16, align=16)
    dyn = f.sec(".dynamic", 6, SHF_A | SHF_W, 0x2000,
                struct.pack("<qQqQqQ", 0x6ffffffb, 0x08000001, 0x1e, 8, 0, 0), align=8,
                entsize=16)
    f.seg(PT_LOAD, PF_R | PF_W, sec=dyn)
    f.seg(2, PF_R | PF_W, sec=dyn, align=8)  # PT_DYNAMIC
    yield "pie_executable", f.build(), "ok|pie=1|flags1=134217729"

    # .dynstr before .dynsym: BFD makes .dynsym first (it links to .dynstr).
    f = Elf(etype=ET_DYN)
    dynstr = f.sec(".dynstr", SHT["STRTAB"], SHF_A, 0x300, b"\0libc.so.6\0")
    f.sec(".dynsym", SHT["DYNSYM"], SHF_A, 0x320, b"\0" * 48, link=dynstr, info=1, align=8,
          entsize=24)
    f.sec(".text", SHT["PROGBITS"], SHF_A | SHF_X, 0x1000, b"\xc3" * 32, align=16)
    f.seg(PT_LOAD, PF_R | PF_X, sec=3)
    yield "dynstr_first", f.build(), "ok|sections=5|text=91"


def group_object(member_of_b):
    """Two COMDAT groups, each placed before its member (as LLVM does); BFD
    makes every group when it makes the first member, which reorders them."""
    f = Elf(etype=ET_REL)
    sym = lambda name, info, shndx: struct.pack("<IBBHQQ", name, info, 0, shndx, 0, 0)
    ga = f.sec(".group", 17, 0, 0, struct.pack("<II", 1, 2), link=7, info=1, align=4, entsize=4)
    f.sec(".text.a", SHT["PROGBITS"], SHF_A | SHF_X | 0x200, 0, b"\xc3" * 4, align=4)
    f.sec(".text", SHT["PROGBITS"], SHF_A | SHF_X, 0, b"\xc3" * 8, align=4)
    f.sec(".group", 17, 0, 0, struct.pack("<II", 1, member_of_b), link=7, info=2, align=4,
          entsize=4)
    f.sec(".text.b", SHT["PROGBITS"], SHF_A | SHF_X | 0x200, 0, b"\xc3" * 2, align=4)
    f.sec(".strtab", SHT["STRTAB"], 0, 0, b"\0a\0b\0")
    f.sec(".symtab", SHT["SYMTAB"], 0, 0, sym(0, 0, 0) + sym(1, 0x12, 2) + sym(3, 0x12, 5),
          link=6, info=1, align=8, entsize=24)
    assert ga == 1
    return f.build()


def groups():
    yield "groups_reordered", group_object(5), "ok|text=14|sections=9"
    # the second group's only member is the string table: binutils rejects it
    yield "group_without_member", group_object(6), "ok|size=ENOEXEC"


def cores():
    # A small core: one note segment (prstatus, prpsinfo, auxv), a split LOAD.
    prstatus = bytearray(336)
    struct.pack_into("<I", prstatus, 32, 4242)
    prpsinfo = bytearray(136)
    prpsinfo[56:56 + 10] = b"prog arg  "
    notes = note("CORE", 1, bytes(prstatus)) + note("CORE", 3, bytes(prpsinfo)) + \
        note("CORE", 6, b"\0" * 32) + note("LINUX", 0x202, b"\0" * 64)
    f = Elf(etype=ET_CORE)
    nsec = f.sec("n", SHT["PROGBITS"], 0, 0, notes, align=4)
    ld = f.sec("l", SHT["PROGBITS"], 0, 0x10000, b"\xaa" * 4096, align=4096)
    f.seg(PT_NOTE, 0, sec=nsec, align=4)
    f.seg(PT_LOAD, PF_R | PF_W, vaddr=0x10000, sec=ld, memsz=3 * 4096)
    # A dumped-as-empty mapping: no file bytes (the kernel still gives it
    # the running file offset, never 0).
    f.seg(PT_LOAD, PF_R | PF_X, vaddr=0x20000, offset=0x2000, filesz=0, memsz=8192)
    b = f.build()
    # Kernel cores carry no section headers (BFD reads those of a core in
    # ways of its own); drop them.
    f.patch(b, f.eh("shoff"), 0)
    f.patch(b, f.eh("shnum"), 0)
    f.patch(b, f.eh("shstrndx"), 0)
    yield "core_small", b, "ok|core=1|segments=3|text=8192|data=4096|bss=8192|command=prog arg "
    yield from core_header_fields(f, b)

    # 150,000 notes in one segment: linear time (each note's section is
    # checked against the ones already made by kind, not by a search).
    # NT_FILE notes make ".note.linuxcore.file/0" each, as in binutils.
    many = note("CORE", 0x46494c45, b"") * 150000
    f = Elf(etype=ET_CORE)
    nsec = f.sec("n", SHT["PROGBITS"], 0, 0, many, align=4)
    f.seg(PT_NOTE, 0, sec=nsec, align=4)
    b = f.build()
    f.patch(b, f.eh("shoff"), 0)
    f.patch(b, f.eh("shnum"), 0)
    f.patch(b, f.eh("shstrndx"), 0)
    yield "core_150000_notes", b, "ok|core=1|segments=1|text=0|fast=1"

    # 66,000 program headers through PN_XNUM: parsed in bounded time and memory.
    n = 66000
    out = bytearray(64 + n * 56 + 64)
    shoff = 64 + n * 56
    struct.pack_into("<16sHHIQQQIHHHHHH", out, 0, b"\x7fELF\x02\x01\x01" + b"\0" * 9, ET_CORE,
                     62, 1, 0, 64, shoff, 0, 64, 56, 0xffff, 64, 1, 0)
    for i in range(n):
        struct.pack_into("<IIQQQQQQ", out, 64 + i * 56, PT_LOAD, PF_R | PF_W, 0,
                         0x100000 + i * 4096, 0, 0, 4096, 4096)
    struct.pack_into("<IIQQQQIIQQ", out, shoff, 0, 0, 0, 0, 0, 0, 0, n, 0, 0)
    yield "core_66000_phdrs", out, f"ok|core=1|segments={n}|phnum={n}|bss={n * 4096}|text=0|fast=1"


def core_header_fields(f, good):
    """elf_core_file_p's own rules: no EI_VERSION check, e_phoff must not be
    0, e_phentsize must be exact, the section table is never read (a broken
    one does not matter), unknown segment types are "procN"."""
    core = "ok|core=1|segments=3|text=8192|data=4096|bss=8192"
    b = bytearray(good); b[6] = 0
    yield "core_ident_version_0", b, core
    b = bytearray(good); f.patch(b, f.eh("phnum"), 0)
    yield "core_no_phdrs", b, "ok|core=1|segments=0|text=0|data=0|bss=0"
    b = bytearray(good); f.patch(b, f.eh("phoff"), 0)
    yield "core_phoff_0", b, "ok|core=1|size=ENOEXEC|size_warn=none"
    b = bytearray(good); f.patch(b, f.eh("phentsize"), 64)
    yield "core_phentsize_64", b, "ok|core=1|segments=3|size=ENOEXEC"
    b = bytearray(good); f.patch(b, f.eh("shoff"), len(good) + 4096)
    yield "core_shoff_past_eof", b, core + "|sections=0"
    b = bytearray(good); f.patch(b, f.eh("shoff"), len(good) - 8); f.patch(b, f.eh("shnum"), 9)
    yield "core_shdrs_past_eof", b, core + "|sections=0"
    b = bytearray(good); put(b, 64 + 2 * 56, "I", 0x70000001)
    yield "core_proc_segment", b, "ok|core=1|segments=3|text=0|data=4096|bss=8192"


def archives(outdir):
    """GNU (long names), BSD (#1/len) and thin archives of the ok_* objects."""
    members = [("ok_le64", open(os.path.join(outdir, "ok_le64"), "rb").read()),
               ("a_member_with_a_rather_long_name.o",
                open(os.path.join(outdir, "rel_object"), "rb").read())]

    def hdr(name, size):
        return f"{name:<16}{0:<12}{0:<6}{0:<6}{644:<8}{size:<10}`\n".encode()

    longnames = b"".join(n.encode() + b"/\n" for n, _ in members)
    gnu = bytearray(b"!<arch>\n") + hdr("//", len(longnames)) + longnames
    gnu += b"\n" * (len(gnu) % 2)
    off = 0
    for name, data in members:
        gnu += hdr(f"/{off}", len(data)) + data + b"\n" * (len(data) % 2)
        off += len(name) + 2
    yield "ar_gnu.a", bytes(gnu), "ar|2|ok_le64|a_member_with_a_rather_long_name.o"
    yield "ar_trunc.a", bytes(gnu[:len(gnu) - 300]), "ar|2|ok_le64|a_member_with_a_rather_long_name.o"

    bsd = bytearray(b"!<arch>\n")
    for name, data in members:
        nb = name.encode()
        bsd += hdr(f"#1/{len(nb)}", len(nb) + len(data)) + nb + data
        bsd += b"\n" * ((len(nb) + len(data)) % 2)
    yield "ar_bsd.a", bytes(bsd), "ar|2|ok_le64|a_member_with_a_rather_long_name.o"

    thin = bytearray(b"!<thin>\n") + hdr("ok_le64/", len(members[0][1])) + \
        hdr("rel_object/", len(members[1][1]))
    yield "ar_thin.a", bytes(thin), "ar|2|ok_le64|rel_object"

    bad = bytearray(gnu)
    bad[8 + 58] = ord("x")
    yield "ar_bad_header.a", bytes(bad), "ar|EINVAL"


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    lines = []
    for name, data, manifest in cases():
        with open(os.path.join(outdir, name), "wb") as fh:
            fh.write(data)
        lines.append(f"{name}|{manifest}")
    for name, data, manifest in archives(outdir):
        with open(os.path.join(outdir, name), "wb") as fh:
            fh.write(data)
        lines.append(f"{name}|{manifest}")
    with open(os.path.join(outdir, "MANIFEST"), "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
