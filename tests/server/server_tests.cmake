# The tests that run a server binary over the network (tests/server/): the
# pytest suite (tests/server/py, label "server"; redis-benchmark and twemproxy,
# label "server;external"), the kill -9 loop at length (label "stress"), and
# Redis's own test suite, one CTest test per file (redis_suite/run.py, label
# "server;external"; it fetches the source with `apt-get source redis` into
# <build>/redis-source once).
#
# Which binary: STRATA_SERVER_TEST_BIN when set (a path: /usr/bin/redis-server
# proves the tests against the reference), else strata-server when it is built
# (tools/strata-server); with neither, no test is registered.
# Included from tests/CMakeLists.txt, after tools/ has declared its targets.
set(STRATA_SERVER_TEST_BIN "" CACHE FILEPATH
  "Server binary the server tests run (default: strata-server when built; /usr/bin/redis-server checks the tests against Redis)")
if(STRATA_SERVER_TEST_BIN)
  set(server_bin ${STRATA_SERVER_TEST_BIN})
elseif(TARGET strata-server)
  set(server_bin $<TARGET_FILE:strata-server>)
else()
  return()
endif()

# Debian's python3-redis and python3-pytest are seen by the system interpreter
# only (the python3 first on PATH may be another).
set(server_python /usr/bin/python3)
set(server_dir ${CMAKE_CURRENT_SOURCE_DIR}/server)
set(server_env STRATA_SERVER_BIN=${server_bin} PYTHONDONTWRITEBYTECODE=1)
# A sanitized server cannot run under valgrind (test_server_bench's callgrind
# test skips when this says so).
if(STRATA_SANITIZE)
  list(APPEND server_env STRATA_SERVER_SANITIZED=${STRATA_SANITIZE})
endif()

file(GLOB server_py_tests CONFIGURE_DEPENDS ${server_dir}/py/test_*.py)
foreach(test_file ${server_py_tests})
  get_filename_component(name ${test_file} NAME_WE)
  string(REGEX REPLACE "^test_" "server_py_" test_name ${name})
  add_test(NAME ${test_name} COMMAND ${server_python} -m pytest -q ${test_file}
    WORKING_DIRECTORY ${server_dir}/py)
  set(labels server)
  if(name STREQUAL "test_benchmark_proxy")
    set(labels server external)
  endif()
  set_tests_properties(${test_name} PROPERTIES LABELS "${labels}" TIMEOUT 300
    ENVIRONMENT "${server_env}")
endforeach()

# The kill -9 loops (strings and keys; collections and transactions) at
# length: 40 rounds of up to 1.5 s of writes each.
add_test(NAME server_py_durability_stress COMMAND ${server_python} -m pytest -q
  ${server_dir}/py/test_durability.py ${server_dir}/py/test_durability_collections.py
  -k kill9_loop WORKING_DIRECTORY ${server_dir}/py)
set_tests_properties(server_py_durability_stress PROPERTIES LABELS stress TIMEOUT 900
  ENVIRONMENT "${server_env};STRATA_DURABILITY_ROUNDS=40;STRATA_DURABILITY_SECONDS=1")

# Redis's suite: the files of issue 12 and issue 13, one test each. Runs of
# one source tree take turns (run.py holds a lock on it while runtest writes
# there), so CTest's timeout covers a wait for the longest other file (zset)
# plus the file's own run (run.py --timeout).
foreach(suite_file unit/type/string unit/type/incr unit/keyspace unit/expire unit/type/hash
    unit/type/set unit/type/zset unit/type/list unit/multi)
  string(REGEX REPLACE "^unit/(type/)?" "" short ${suite_file})
  add_test(NAME server_redis_suite_${short} COMMAND ${server_python}
    ${server_dir}/redis_suite/run.py --server ${server_bin} --cache ${PROJECT_BINARY_DIR}/redis-source
    --file ${suite_file} --timeout 300)
  set_tests_properties(server_redis_suite_${short} PROPERTIES LABELS "server;external"
    TIMEOUT 700 ENVIRONMENT "${server_env}")
endforeach()
