"""Build of the h5swmr Python package. The lock's Lua scripts are copied at build time from the one copy the Java
connector ships (connector/src/main/...), so an installed package carries exactly the connector's scripts.

Install (offline; Debian: apt-get install python3-h5py python3-numpy python3-redis):
    pip install ./python                       # in a venv made with --system-site-packages, or
    pip install --break-system-packages ./python
"""
import importlib.util
import os

from setuptools import setup
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


def _requirements():
    """h5py, numpy, redis - minus those already importable: Debian's python3-h5py registers its distribution as
    'h5py.-debian-h5py-serial', which pip does not count as 'h5py' and would try to download."""
    return [r for r in ("h5py", "numpy", "redis") if importlib.util.find_spec(r) is None]


setup(
    name="h5swmr",
    version="0.2.0",
    description="HDF5 files read and appended under the h5swmr Spark connector's Redis leases and crash-safe "
                "in-place commits",
    packages=["h5swmr"],
    python_requires=">=3.8",
    install_requires=_requirements(),
    cmdclass={"build_py": BuildWithLockScripts},
)
