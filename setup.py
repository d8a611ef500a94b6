"""The pmusim Python package with its extension, built by CMake (docs/install.md).

    pip install --no-build-isolation .        # offline, with Debian's setuptools, wheel and pybind11

The extension is the CMake target _pmusim; the workload and scenario libraries go inside the
package (pmusim/data), where the extension looks for them first.
"""
import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = os.path.dirname(os.path.abspath(__file__))


def read(name):
    with open(os.path.join(ROOT, name)) as f:
        return f.read()


def version():
    return re.search(r"project\(pmusim VERSION ([0-9.]+)", read("CMakeLists.txt")).group(1)


class CMakeBuild(build_ext):
    """Configures a CMake build of this checkout and builds only the _pmusim target into the wheel."""

    def build_extension(self, ext):
        out = os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name)))
        build = os.path.join(os.path.abspath(self.build_temp), "cmake")
        configure = ["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                     f"-DPYTHON_EXECUTABLE={sys.executable}", "-DPMUSIM_TESTS=OFF", "-DPMUSIM_BENCH=OFF",
                     f"-DPMUSIM_PYTHON_OUTPUT_DIR={out}"]
        if shutil.which("ccache"):
            configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        subprocess.check_call(configure)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        subprocess.check_call(["cmake", "--build", build, "--target", "_pmusim", "-j", jobs])


class BuildWithLibraries(build_py):
    """Copies workloads/*.yaml and scenarios/*.yaml into pmusim/data of the built package."""

    def run(self):
        super().run()
        for sub in ("workloads", "scenarios"):
            dest = os.path.join(self.build_lib, "pmusim", "data", sub)
            os.makedirs(dest, exist_ok=True)
            for name in sorted(os.listdir(os.path.join(ROOT, sub))):
                if name.endswith(".yaml"):
                    shutil.copy2(os.path.join(ROOT, sub, name), dest)


setup(
    name="pmusim",
    version=version(),
    description="Cycle-approximate simulator of the Intel architectural PMU",
    long_description=read("README.md"),
    long_description_content_type="text/markdown",
    python_requires=">=3.9",
    install_requires=["numpy"],
    extras_require={"frames": ["pandas"], "plots": ["matplotlib"], "dask": ["distributed"]},
    package_dir={"": "python"},
    packages=["pmusim"],
    ext_modules=[Extension("pmusim._pmusim", sources=[])],
    cmdclass={"build_ext": CMakeBuild, "build_py": BuildWithLibraries},
    zip_safe=False,
)
