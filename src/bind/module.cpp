// pulsar._core: the binding of libpulsar 4.2.0. Each concept registers itself
// from its own register_<concept>.cpp.
#include <pybind11/pybind11.h>

#include "bind/register.hpp"

namespace py = pybind11;

// Safe without the GIL (free-threaded CPython 3.13t): state shared between threads is
// guarded by its own mutex, atomic, or owned by one thread, each saying which where it is
// declared; Python objects that other threads may change while read (a dict, a list) are
// read under their critical section. On a regular CPython this changes nothing.
PYBIND11_MODULE(_core, m, py::mod_gil_not_used()) {
    m.doc() = "fastpulsar's binding of libpulsar 4.2.0 (use the pulsar package, not this module)";
    fastpulsar::register_bridge(m);
    fastpulsar::register_message_id(m);
    fastpulsar::register_message(m);
    fastpulsar::register_message_builder(m);
    fastpulsar::register_message_batch(m);
    fastpulsar::register_auth(m);
    fastpulsar::register_logging(m);
    fastpulsar::register_configuration(m);
    fastpulsar::register_dispatcher(m);
    fastpulsar::register_loop_sink(m);
    fastpulsar::register_producer(m);
    fastpulsar::register_consumer(m);
    fastpulsar::register_service_info(m);
    fastpulsar::register_client(m);
    fastpulsar::register_reader(m);
    fastpulsar::register_table_view(m);
    fastpulsar::register_reader_configuration(m);
    fastpulsar::register_dispatch_call(m);
}
