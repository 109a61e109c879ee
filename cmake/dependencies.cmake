# Locate OpenBLAS (scipy-openblas32 wheel) and TBB (tbb + tbb-devel wheels) through the Python
# that runs the build, so the same recipe works in pip's isolated build env and in a dev venv.
execute_process(
  COMMAND "${Python_EXECUTABLE}" "${CMAKE_CURRENT_LIST_DIR}/locate_dependencies.py"
  OUTPUT_VARIABLE _pycauset_deps
  RESULT_VARIABLE _pycauset_deps_rc
  ERROR_VARIABLE _pycauset_deps_err
  OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT _pycauset_deps_rc EQUAL 0)
  message(FATAL_ERROR "pycauset: cannot locate OpenBLAS/TBB: ${_pycauset_deps_err}\n"
                      "Install them with: pip install scipy-openblas32 tbb-devel==2023.2.0")
endif()
string(REPLACE "\n" ";" _pycauset_deps "${_pycauset_deps}")
list(GET _pycauset_deps 0 PYCAUSET_OPENBLAS_INCLUDE)
list(GET _pycauset_deps 1 PYCAUSET_OPENBLAS_LIBRARY)
list(GET _pycauset_deps 2 PYCAUSET_TBB_INCLUDE)
list(GET _pycauset_deps 3 PYCAUSET_TBB_LIBRARY)
get_filename_component(PYCAUSET_OPENBLAS_LIBDIR "${PYCAUSET_OPENBLAS_LIBRARY}" DIRECTORY)
get_filename_component(PYCAUSET_TBB_LIBDIR "${PYCAUSET_TBB_LIBRARY}" DIRECTORY)
message(STATUS "pycauset: OpenBLAS ${PYCAUSET_OPENBLAS_LIBRARY}")
message(STATUS "pycauset: TBB ${PYCAUSET_TBB_LIBRARY}")

add_library(pycauset::openblas SHARED IMPORTED)
set_target_properties(pycauset::openblas PROPERTIES
  IMPORTED_LOCATION "${PYCAUSET_OPENBLAS_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${PYCAUSET_OPENBLAS_INCLUDE}")

add_library(pycauset::tbb SHARED IMPORTED)
set_target_properties(pycauset::tbb PROPERTIES
  IMPORTED_LOCATION "${PYCAUSET_TBB_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${PYCAUSET_TBB_INCLUDE}")
