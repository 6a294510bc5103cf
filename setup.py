"""The build step pyproject.toml cannot say: the emulator's C host programs
(``make -C neural_modelling host``) are compiled into the package, so that
``pip install`` gives a working spinndl, and the wheel that carries them is
tagged for this platform (``py3-none-<platform>``: the .so files are plain
C, loaded with ctypes, not Python extensions)."""

import os
import subprocess

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
HOST_BINARIES = os.path.join("spinndl", "model_binaries", "host")


class BuildPyWithHostPrograms(build_py):
    """build_py, then the host programs into the build (or, for an
    editable install, into the source tree, where spinndl looks)."""

    def run(self):
        super().run()
        root = HERE if self.editable_mode else os.path.abspath(self.build_lib)
        output = os.path.join(root, HOST_BINARIES) + os.sep
        subprocess.run(["make", "--no-print-directory", "-s", "-C",
                        os.path.join(HERE, "neural_modelling"), "host",
                        f"HOST_OUTPUT_DIR={output}"], check=True)


class WithHostPrograms(Distribution):
    """Not pure Python: installs into platlib, tagged with a platform."""

    def has_ext_modules(self):
        return True


class PlatformWheel(bdist_wheel):
    """A wheel for this platform, for any Python 3."""

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(distclass=WithHostPrograms,
      cmdclass={"build_py": BuildPyWithHostPrograms,
                "bdist_wheel": PlatformWheel})
