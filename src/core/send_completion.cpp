// send_async completions on the dispatcher thread (see send_completion.hpp).
#include "core/send_completion.hpp"

#include <pybind11/pybind11.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

#include "core/message_id.hpp"
#include "core/producer.hpp"
#include "runtime/bridge.hpp"
#include "runtime/dispatcher.hpp"
#include "runtime/errors.hpp"

namespace fastpulsar {
namespace {

// Failures of sends made with send_async(callback=None), by result; reported
// through the "pulsar" logger (the bridge's) after each dispatch round. Guarded by
// g_failed_mutex: the dispatcher and a thread serving in its stead (serve_here) may both
// count, and without the GIL (free-threaded CPython) nothing else orders them.
std::mutex g_failed_mutex;
std::map<pulsar::Result, uint64_t> g_failed_without_callback;

}  // namespace

void deliver_send(SendCompletion& completion) {
    if (completion.callback != nullptr) {
        PyObject* id = new_message_id(std::move(completion.id));
        if (id != nullptr) {
            PyObject* argv[2] = {result_object(completion.result), id};
            PyObject* returned = PyObject_Vectorcall(completion.callback, argv, 2, nullptr);
            if (returned == nullptr) {
                report_callback_error(completion.callback);
            } else {
                Py_DECREF(returned);
            }
            Py_DECREF(id);
        } else {
            report_callback_error(completion.callback);
        }
        Py_DECREF(completion.callback);
    } else if (completion.result != pulsar::ResultOk) {
        std::lock_guard<std::mutex> lock(g_failed_mutex);
        ++g_failed_without_callback[completion.result];
    }
    completion.producer->on_callback_done();
}

void report_unsent_without_callback() {
    std::map<pulsar::Result, uint64_t> failed;
    {
        std::lock_guard<std::mutex> lock(g_failed_mutex);
        if (g_failed_without_callback.empty()) {
            return;
        }
        failed.swap(g_failed_without_callback);
    }
    try {
        py::handle logger = installed(bridge().logger, "the pulsar logger");
        for (const auto& [result, count] : failed) {
            logger.attr("error")("%d message(s) sent with send_async(callback=None) failed: %s",
                                 count, py::handle(result_object(result)));
        }
    } catch (py::error_already_set& e) {
        e.discard_as_unraisable("reporting failed sends without a callback");
    }
}

}  // namespace fastpulsar
