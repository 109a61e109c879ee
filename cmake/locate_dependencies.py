"""Print OpenBLAS include dir, OpenBLAS library, TBB include dir, TBB library (one per line)."""
import glob
import os
import sys
from importlib import metadata

import scipy_openblas32


def _locate(distribution, suffix):
    for file in metadata.distribution(distribution).files or ():
        if ("/" + str(file).replace("\\", "/")).endswith("/" + suffix):
            return os.path.abspath(str(file.locate()))
    sys.exit(f"{distribution}: no file ending in {suffix}")


openblas_lib = glob.glob(os.path.join(scipy_openblas32.get_lib_dir(), "libscipy_openblas*.so"))[0]
tbb_header = _locate("tbb-devel", "include/tbb/tbb.h")
print(scipy_openblas32.get_include_dir())
print(openblas_lib)
print(os.path.dirname(os.path.dirname(tbb_header)))
print(_locate("tbb", "libtbb.so.12"))
