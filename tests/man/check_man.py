#!/usr/bin/env python3
"""check_man.py — the man pages agree with the code, and groff has nothing to
say about them.

  check_man.py --strata BIN --malloc-lib SO --header strata.h --pages DIR

For every command `strata --help` lists, strata(1) has a section
"STRATA COMMAND" that names every option of `strata COMMAND --help`, lists
no option `--help` does not know, and lists every exit status `--help`
names. Every option `STRATA_HELP=1` prints has an entry in strata-malloc(3)'s
ENVIRONMENT with the same default, and every entry there is an option. Every
function include/strata.h declares STRATA_API is named in strata(3), and
every strata_* name strata(3) mentions exists. `groff -ww` and
`man --warnings` print nothing for any page. Each failure says which file
to edit (man/README.md has the recipes).
"""
import argparse
import os
import re
import subprocess
import sys

FAILURES = []
CHECKS = 0


def check(ok, message):
    global CHECKS
    CHECKS += 1
    if not ok:
        FAILURES.append(message)
    return ok


def run(argv, env=None):
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)


def render(page):
    """The page as plain text, one paragraph a line (a very long line length,
    no hyphenation), so that searches never meet a line break."""
    r = run(["groff", "-t", "-man", "-Tascii", "-P-cbou", "-rLL=4000n", "-rHY=0", page])
    if r.returncode != 0:
        sys.exit("check_man: groff failed on %s: %s" % (page, r.stderr))
    return r.stdout


def sections(text):
    """{heading: [lines]} for the unindented headings of a rendered page."""
    out, name = {}, None
    for line in text.split("\n"):
        if line and not line[0].isspace():
            name = line.strip()
            out.setdefault(name, [])
        elif name is not None:
            out[name].append(line)
    return out


def indent(line):
    return len(line) - len(line.lstrip(" "))


def subsection(lines, title):
    """The lines of subsection `title` (a 3-space-indented heading)."""
    out, inside = [], False
    for line in lines:
        if line.strip() and indent(line) == 3:
            inside = line.strip() == title
            continue
        if inside:
            out.append(line)
    return out


def terms(lines):
    """The terms of tagged paragraphs: lines at the paragraph indent (7)
    followed by a more indented body, as scdoc lays them out."""
    body = [l for l in lines if l.strip()]
    return [l.strip() for i, l in enumerate(body)
            if indent(l) == 7 and i + 1 < len(body) and indent(body[i + 1]) > 7]


def entry(lines, term_start):
    """The term line starting with term_start and its body, joined."""
    out, inside = [], False
    for line in lines:
        if not line.strip():
            continue
        if indent(line) <= 7:
            inside = indent(line) == 7 and line.strip().startswith(term_start)
            if inside:
                out.append(line.strip())
            continue
        if inside:
            out.append(line.strip())
    return " ".join(out)


OPTION = re.compile(r"(?<![\w/.-])(--?[A-Za-z?][A-Za-z0-9-]*|@<?[a-z]+>?)")
HELP_ONLY = {"-h", "--help"}  # every command takes them: the test's own way in


def options(text):
    return {o.replace("<", "").replace(">", "") for o in OPTION.findall(text)}


def exit_statuses(help_text):
    """Numbers of the sentence that starts at "exit status" in --help."""
    m = re.search(r"exit status(.*?)(\.(\s|$)|\Z)", help_text, re.I | re.S)
    return set(re.findall(r"\b\d{1,3}\b", m.group(1))) if m else set()


def has_word(text, word):
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text) is not None


def check_command(strata, cmd, man1):
    fragment = "man/strata.1.d/NN-%s.scd" % cmd
    title = "STRATA " + cmd.upper()
    r = run([strata, cmd, "--help"])
    if not check(r.returncode == 0 and r.stdout.strip(),
                 "strata %s --help: exit %d, no usage on stdout" % (cmd, r.returncode)):
        return
    help_text = r.stdout
    sec = man1.get(title)
    if not check(sec is not None,
                 "strata %s is listed by `strata --help` but strata(1) has no section "
                 "'%s': add %s (see man/README.md)" % (cmd, title, fragment)):
        return
    text = "\n".join(sec)
    for opt in sorted(options(help_text)):
        check(has_word(text, opt),
              "strata %s: option %s is in `strata %s --help` but not in strata(1) "
              "section '%s': document it under '## Options' in man/strata.1.d/*-%s.scd"
              % (cmd, opt, cmd, title, cmd))
    documented = set()
    for term in terms(subsection(sec, "Options")):
        documented |= options(term)
    for opt in sorted(documented - options(help_text) - HELP_ONLY):
        check(False, "strata %s: strata(1) section '%s' documents option %s, which "
                     "`strata %s --help` does not list: remove it from "
                     "man/strata.1.d/*-%s.scd, or add it to the --help text"
                     % (cmd, title, opt, cmd, cmd))
    check_statuses("strata %s" % cmd, help_text, subsection(sec, "Exit status"),
                   "'## Exit status' of man/strata.1.d/*-%s.scd" % cmd)


def check_statuses(what, help_text, lines, where):
    listed = set()
    for term in terms(lines):
        listed |= set(re.findall(r"\d+", term))
    for status in sorted(exit_statuses(help_text), key=int):
        check(status in listed,
              "%s: `--help` names exit status %s, which its man page does not list: "
              "add it to %s" % (what, status, where))


def check_cli(strata, man1):
    r = run([strata, "--help"])
    check(r.returncode == 0, "strata --help exits %d" % r.returncode)
    block = r.stdout.split("commands:", 1)[-1].split("\n\n", 1)[0]
    commands = re.findall(r"^  (\S+)\s", block, re.M)
    check(commands, "strata --help lists no command")
    for cmd in commands:
        check_command(strata, cmd, man1)
    for title in man1:
        if title.startswith("STRATA ") and title[7:].lower() not in commands:
            check(False, "strata(1) has a section '%s' but `strata --help` lists no "
                         "command %s: remove its fragment from man/strata.1.d/"
                         % (title, title[7:].lower()))
    text = "\n".join(man1.get("OPTIONS", []))
    for opt in ("--help", "--version"):
        check(has_word(text, opt), "strata(1) OPTIONS does not document %s" % opt)
    check_statuses("strata", r.stdout, man1.get("EXIT STATUS", []),
                   "EXIT STATUS in man/strata.1.d/90-tail.scd")
    return commands


def check_env(malloc_lib, man3m):
    env = dict(os.environ, STRATA_HELP="1", LD_PRELOAD=malloc_lib)
    r = run(["/bin/true"], env=env)
    opts = re.findall(r"^\s+(STRATA_[A-Z0-9_]+) \(default ([^)]*)\):", r.stderr, re.M)
    check(opts, "STRATA_HELP=1 under %s printed no option: %r" % (malloc_lib, r.stderr))
    envsec = man3m.get("ENVIRONMENT", [])
    where = "man/strata-malloc.3.d/30-environment.scd"
    for name, default in opts:
        text = entry(envsec, name)
        if not check(text, "allocator option %s (STRATA_HELP=1) has no entry in "
                           "strata-malloc(3) ENVIRONMENT: add '*%s*=_value_' with its "
                           "meaning and 'Default: *%s*.' to %s" % (name, name, default, where)):
            continue
        check(re.search(r"[Dd]efault:?\s+" + re.escape(default) + r"(?![\w-])", text),
              "strata-malloc(3) ENVIRONMENT: %s has no 'Default: %s' (STRATA_HELP=1 says "
              "%s): fix its entry in %s" % (name, default, default, where))
    names = {n for n, _ in opts}
    for term in terms(envsec):
        m = re.match(r"(STRATA_[A-Z0-9_]+)", term)
        if m:
            check(m.group(1) in names,
                  "strata-malloc(3) ENVIRONMENT documents %s, which STRATA_HELP=1 does "
                  "not list: remove it from %s, or add it to alloc/core_options.c"
                  % (m.group(1), where))
    return len(opts)


def check_api(header, man3):
    h = open(header).read()
    funcs = re.findall(r"STRATA_API\b[^;{]*?\b(strata_[a-z0-9_]+)\s*\(", h, re.S)
    text = "\n".join("\n".join(v) for v in man3.values())
    for f in funcs:
        check(has_word(text, f),
              "%s() is declared STRATA_API in include/strata.h but strata(3) does not "
              "name it: document it in the fragment of its part in man/strata.3.d/" % f)
    for word in sorted(set(re.findall(r"(?<!::)\bstrata_[a-z0-9_]+", text))):
        check(re.search(r"\b" + word + r"\b", h),
              "strata(3) mentions %s, which include/strata.h does not define: fix "
              "man/strata.3.d/" % word)
    return len(funcs)


def check_groff(page):
    r = run(["groff", "-t", "-ww", "-man", "-Tutf8", "-z", page])
    check(r.returncode == 0 and not r.stderr.strip(),
          "groff -ww warns on %s:\n%s" % (page, r.stderr))
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    r = run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page], env=env)
    check(r.returncode == 0 and not r.stderr.strip(),
          "man --warnings warns on %s:\n%s" % (page, r.stderr))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--malloc-lib", required=True)
    ap.add_argument("--header", required=True)
    ap.add_argument("--pages", required=True)
    a = ap.parse_args()
    pages = {p: os.path.join(a.pages, p) for p in ("strata.1", "strata-malloc.3", "strata.3")}
    for p in pages.values():
        if not os.path.exists(p):
            sys.exit("check_man: %s is missing (build the target man)" % p)
        check_groff(p)
    man1, man3m, man3 = (sections(render(pages[p]))
                         for p in ("strata.1", "strata-malloc.3", "strata.3"))
    commands = check_cli(a.strata, man1)
    nopts = check_env(a.malloc_lib, man3m)
    nfuncs = check_api(a.header, man3)
    for f in FAILURES:
        print("check_man: FAIL: " + f)
    print("check_man: %d commands, %d allocator options, %d API functions checked"
          % (len(commands), nopts, nfuncs))
    print("%d passed, %d failed" % (CHECKS - len(FAILURES), len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
