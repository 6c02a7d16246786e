"""fixture.py — starts tests/proc/fixture_fds.c for the Python descriptor
tests: its "key=value" lines up to "ready" as a dict, its stdin kept open
(closing it lets the fixture and its child exit)."""
import os
import shutil
import subprocess
import tempfile


class Fixture:
    def __init__(self, path):
        self.dir = tempfile.mkdtemp(prefix="strata-fds-")
        self.proc = subprocess.Popen([path, self.dir], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.v = {}
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line == "ready":
                break
            k, _, val = line.partition("=")
            self.v[k] = val
        else:
            raise RuntimeError("fixture did not say ready")
        self.pid = self.proc.pid

    def fd(self, key):
        return int(self.v[key])

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_json(cmd):
    import json
    out = subprocess.run(cmd, stdout=subprocess.PIPE, check=True).stdout
    return json.loads(out)
