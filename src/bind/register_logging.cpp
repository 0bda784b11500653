// Logging: the entry point that re-reads the loggers' levels (the logger factory is
// core/logger.hpp's).
#include <pybind11/pybind11.h>

#include "bind/register.hpp"
#include "runtime/dispatcher.hpp"

namespace fastpulsar {

void register_logging(py::module_& m) {
    m.def(
        "_refresh_log_levels", [] { refresh_log_levels(); },
        "Re-read the levels of the loggers libpulsar writes to (the dispatcher also does "
        "this every second).");
}

}  // namespace fastpulsar
