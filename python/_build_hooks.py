"""Build step of the h5swmr package (named in pyproject.toml): after the usual build_py, writes the lock's Lua
scripts, assembled from the connector's resource files, into the built package's lua/ directory."""
import importlib.util
import os

from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def _scripts_module():
    spec = importlib.util.spec_from_file_location("_h5swmr_scripts_build", os.path.join(HERE, "h5swmr",
                                                                                       "_scripts.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class BuildWithLockScripts(build_py):
    def run(self):
        super().run()
        s = _scripts_module()
        root = s.repo_root(HERE)
        if root is None:
            raise SystemExit("h5swmr: build from the repository checkout (the lock scripts come from "
                             "connector/src/main); no connector/ found above %s" % HERE)
        scripts = s.load_from_repo(root)
        out = os.path.join(self.build_lib, "h5swmr", "lua")
        os.makedirs(out, exist_ok=True)
        for name, text in scripts.items():
            with open(os.path.join(out, name + ".lua"), "w", encoding="utf-8") as f:
                f.write(text)
