"""The lock's Lua scripts, from the one copy the Java connector ships.

An installed package carries a copy generated at build time (``h5swmr/lua/*.lua``, written by setup.py from the
repository source); a checkout uses the repository source directly. Nothing here is a hand-maintained second copy.
"""
import hashlib
import os
import re

NAMES = ("ACQUIRE", "RENEW", "RELEASE", "RELEASE_ALL", "IS_HOLDER", "INSPECT", "DECLARE_FRESH")

_HERE = os.path.dirname(os.path.abspath(__file__))
_LOCK_DIR = os.path.join("connector", "src", "main")
_JAVA = os.path.join(_LOCK_DIR, "java", "io", "h5swmr", "lock", "LockScripts.java")
_RESOURCES = os.path.join(_LOCK_DIR, "resources", "io", "h5swmr", "lock")


def _file_name(name):
    return name.lower().replace("_", "-") + ".lua"


def repo_root(start=_HERE):
    """The repository root above ``start`` (the directory holding connector/), or None."""
    d = start
    while True:
        if os.path.isdir(os.path.join(d, "connector", "src", "main")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def load_from_repo(root):
    """name -> script text, from the connector sources under ``root``: resource files when present, else the
    string constants of LockScripts.java."""
    res = os.path.join(root, _RESOURCES)
    if os.path.isdir(res) and any(f.endswith(".lua") for f in os.listdir(res)):
        return _load_resource_dir(res)
    with open(os.path.join(root, _JAVA), encoding="utf-8") as f:
        return parse_java_constants(f.read())


def _load_resource_dir(d):
    out = {}
    for name in NAMES:
        p = os.path.join(d, _file_name(name))
        if not os.path.exists(p):
            raise RuntimeError("lock script %s missing: expected %s" % (name, p))
        with open(p, encoding="utf-8") as f:
            out[name] = f.read()
    return out


_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_.]*)|(.))', re.S)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\", "0": "\0"}


def _unescape(lit):
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], lit[1:-1])


def parse_java_constants(src):
    """Evaluates the ``static final String X = ...;`` constants of LockScripts.java (string literals, ``+``,
    ``String.join(sep, ...)`` and earlier constants)."""
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    src = re.sub(r"^\s*//.*$", "", src, flags=re.M)
    consts = {}
    for m in re.finditer(r"static final String (\w+) =", src):
        name = m.group(1)
        if name.endswith("_SHA"):
            continue
        tokens = []
        pos = m.end()
        while True:
            t = _TOKEN.match(src, pos)
            pos = t.end()
            if t.group(3) == ";":
                break
            tokens.append(t.group(1) and ("s", _unescape(t.group(1))) or t.group(2) and ("id", t.group(2))
                          or ("p", t.group(3)))
        value, rest = _expr(tokens, consts)
        if rest:
            raise RuntimeError("cannot parse LockScripts.%s near %r" % (name, rest[:3]))
        consts[name] = value
    missing = [n for n in NAMES if n not in consts]
    if missing:
        raise RuntimeError("LockScripts.java lacks %s" % missing)
    return {n: consts[n] for n in NAMES}


def _expr(tokens, consts):
    value, tokens = _term(tokens, consts)
    while tokens and tokens[0] == ("p", "+"):
        more, tokens = _term(tokens[1:], consts)
        value += more
    return value, tokens


def _term(tokens, consts):
    kind, v = tokens[0]
    if kind == "s":
        return v, tokens[1:]
    if kind == "id" and v == "String.join":
        assert tokens[1] == ("p", "(")
        args, tokens = [], tokens[2:]
        while True:
            a, tokens = _expr(tokens, consts)
            args.append(a)
            sep, tokens = tokens[0], tokens[1:]
            if sep == ("p", ")"):
                return args[0].join(args[1:]), tokens
    if kind == "id" and v in consts:
        return consts[v], tokens[1:]
    raise RuntimeError("unexpected token %r in LockScripts.java" % (v,))


def _load():
    packaged = os.path.join(_HERE, "lua")
    if os.path.isdir(packaged):
        return _load_resource_dir(packaged)
    root = repo_root()
    if root is None:
        raise RuntimeError("h5swmr: lock scripts not found: neither %s (installed package) nor a repository "
                           "checkout above %s" % (packaged, _HERE))
    return load_from_repo(root)


SCRIPTS = _load()
SHAS = {n: hashlib.sha1(s.encode("utf-8")).hexdigest() for n, s in SCRIPTS.items()}
