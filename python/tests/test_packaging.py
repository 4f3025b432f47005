"""`pip install ./python` works offline and the installed package carries exactly the connector's Lua scripts."""
import os
import subprocess
import sys

from helpers import PKG_ROOT

from h5swmr import _scripts


def test_pip_install_offline_carries_the_connector_scripts(tmp_path):
    target = str(tmp_path / "site")
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--target", target,
                        PKG_ROOT], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    code = ("import sys; sys.path.insert(0, %r); import h5swmr, h5swmr._scripts as s; "
            "print(h5swmr.__file__); print(sorted(s.SHAS.items()))" % target)
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    installed_file, shas = out.stdout.splitlines()
    assert installed_file.startswith(target)
    assert os.path.isdir(os.path.join(target, "h5swmr", "lua"))
    assert shas == str(sorted(_scripts.SHAS.items()))
    # and the repository copy is the connector's own source
    assert _scripts.SCRIPTS == _scripts.load_from_repo(_scripts.repo_root())
