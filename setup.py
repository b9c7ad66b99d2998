# setuptools reads everything from pyproject.toml; this file exists only because
# cffi's build hook (cffi_modules) is not expressible in pyproject.toml.
from setuptools import setup

setup(cffi_modules=["zcap/_build.py:ffibuilder"])
