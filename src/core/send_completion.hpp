// What becomes of a send_async's completion: libpulsar's thread queues it on the
// dispatcher (SendDone, never taking the GIL), and the dispatcher thread runs the
// callback (deliver_send, in runtime/dispatcher.hpp).
#pragma once

#include <Python.h>

#include "abi/client.hpp"
#include "runtime/dispatcher.hpp"
#include "runtime/loop_sink.hpp"

namespace fastpulsar {

class ProducerCore;

// The function handed to libpulsar with each send_async: two pointers, so
// std::function stores it without allocating. Runs on any thread, without the GIL;
// never throws (but std::bad_alloc).
struct SendDone {
    ProducerCore* producer;
    PyObject* callback;  // owned reference, or nullptr for send_async(callback=None)
    void operator()(pulsar::Result result, const pulsar::MessageId& id) const {
        if (callback != nullptr && is_sink_slot(callback)) {
            // pulsar.asyncio's send: straight to its event loop, not through the dispatcher.
            sink_of_slot(callback)->push_send(SendCompletion{producer, callback, result, id});
        } else {
            Dispatcher::instance().push_send(SendCompletion{producer, callback, result, id});
        }
    }
};

}  // namespace fastpulsar
