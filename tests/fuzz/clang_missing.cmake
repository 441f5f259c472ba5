# Run as the fuzz test when clang was not found at configure time.
message(FATAL_ERROR "clang not found: the libFuzzer targets in tests/fuzz cannot be built; "
                    "install clang (apt-get install -y clang) and reconfigure")
