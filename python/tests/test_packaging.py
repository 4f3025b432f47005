"""`pip install ./python` (pyproject.toml) works offline and the installed package carries exactly the connector's
Lua scripts and the one version."""
import os
import subprocess
import sys

from helpers import PKG_ROOT

from h5swmr import _scripts


def test_pip_install_offline_carries_the_connector_scripts(tmp_path):
    target = str(tmp_path / "site")
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-build-isolation",
                        "--target", target,
                        PKG_ROOT], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    code = ("import sys; sys.path.insert(0, %r); import h5swmr, h5swmr._scripts as s; "
            "print(h5swmr.__file__); print(sorted(s.SHAS.items())); print(h5swmr.__version__)" % target)
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    installed_file, shas, version = out.stdout.splitlines()
    import h5swmr
    assert version == h5swmr.__version__
    meta = [n for n in os.listdir(target) if n.startswith("h5swmr-") and n.endswith(".dist-info")]
    assert meta == ["h5swmr-%s.dist-info" % h5swmr.__version__]
    with open(os.path.join(target, meta[0], "METADATA")) as m:
        requires = sorted(l.split(":", 1)[1].strip().replace(" ", "").replace("(", "").replace(")", "")
                          for l in m if l.startswith("Requires-Dist:"))
    assert requires == ["h5py>=3.0", "numpy>=1.17", "redis>=4.0"]  # static dependencies
    assert installed_file.startswith(target)
    assert os.path.isdir(os.path.join(target, "h5swmr", "lua"))
    assert shas == str(sorted(_scripts.SHAS.items()))
    # and the repository copy is the connector's own source
    assert _scripts.SCRIPTS == _scripts.load_from_repo(_scripts.repo_root())
