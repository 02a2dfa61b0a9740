#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "gateway/core/log.h"

int main(int argc, char** argv) {
  // The submissions log one info line each; keep test output to failures.
  easgate::log_configure(easgate::LogLevel::kWarn, "");
  return doctest::Context(argc, argv).run();
}
