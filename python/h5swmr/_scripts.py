"""The lock's Lua scripts, from the one copy the Java connector ships: connector/src/main/resources/io/h5swmr/lock/
*.lua. A script's text is its file with the line ``--!include common.lua`` replaced by the text of common.lua
(docs/lock-service.md, "Loading the scripts"), so Java and Python send byte-identical scripts with one SHA-1.

An installed package carries the assembled scripts in ``h5swmr/lua/`` (written by _build_hooks.py at build time from the
repository source); a checkout reads the repository source directly. Nothing here is a hand-maintained copy.
"""
import hashlib
import os

NAMES = ("acquire", "renew", "release", "release_all", "is_holder", "inspect", "declare_fresh")
INCLUDE_LINE = "--!include common.lua\n"
RESOURCES = os.path.join("connector", "src", "main", "resources", "io", "h5swmr", "lock")

_HERE = os.path.dirname(os.path.abspath(__file__))


def repo_root(start=_HERE):
    """The repository root above ``start`` (the directory holding the connector's scripts), or None."""
    d = start
    while True:
        if os.path.isdir(os.path.join(d, RESOURCES)):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def load_from_repo(root):
    """name -> assembled script text, from the connector's resource files under ``root``."""
    d = os.path.join(root, RESOURCES)
    common = _read(os.path.join(d, "common.lua"))
    out = {}
    for name in NAMES:
        raw = _read(os.path.join(d, name + ".lua"))
        out[name] = raw.replace(INCLUDE_LINE, common) if INCLUDE_LINE in raw else raw
    return out


def _load_packaged(d):
    return {name: _read(os.path.join(d, name + ".lua")) for name in NAMES}


def _load():
    packaged = os.path.join(_HERE, "lua")
    if os.path.isdir(packaged):
        return _load_packaged(packaged)
    root = repo_root()
    if root is None:
        raise RuntimeError("h5swmr: lock scripts not found: neither %s (installed package) nor a repository "
                           "checkout with %s above %s" % (packaged, RESOURCES, _HERE))
    return load_from_repo(root)


SCRIPTS = _load()
SHAS = {n: hashlib.sha1(s.encode("utf-8")).hexdigest() for n, s in SCRIPTS.items()}
