// libpulsar's log lines to Python's logging. libpulsar's threads only queue them (they
// never take the GIL); the dispatcher thread hands them to the logger (deliver_log and
// refresh_log_levels, in runtime/dispatcher.hpp).
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <memory>

#include "abi/interfaces.hpp"

namespace fastpulsar {

namespace py = pybind11;

// One per distinct logging.Logger given to a client. Never freed: libpulsar keeps
// its loggers (which point here) for as long as it likes.
struct LogTarget {
    py::object logger;
    int floor;                   // lowest pulsar level passed on (INFO for the default logger)
    std::atomic<int> threshold;  // lowest pulsar level enabled now; read without the GIL
};

// A logger factory sending libpulsar's log lines to a logging.Logger, or to the
// bridge's logger (logging.getLogger("pulsar")) at INFO and above when `logger` is None.
// libpulsar's logging is process-wide: the lines of every client go to the target of the latest
// factory made. GIL held; throws error_already_set.
std::unique_ptr<pulsar::LoggerFactory> make_logger_factory(py::handle logger);

}  // namespace fastpulsar
