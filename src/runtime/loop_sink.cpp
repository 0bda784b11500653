// Completions for asyncio event loops (see loop_sink.hpp).
#include "runtime/loop_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "core/message_id.hpp"
#include "core/producer.hpp"

namespace fastpulsar {
namespace {

// A send_async callback bound to a sink and a future.
struct SinkSlot {
    PyObject_HEAD
    PyObject* sink_obj;  // owned
    LoopSink* sink;      // the C++ object of sink_obj
    PyObject* future;    // owned
};

PyTypeObject* g_slot_type = nullptr;

// The exception raise_result(result) raises (its pulsar.exceptions class and message), as
// an object. GIL held; never throws but std::bad_alloc.
py::object result_exception(pulsar::Result result) {
    try {
        raise_result(result);
    } catch (py::error_already_set& e) {
        return e.value();
    }
}

void slot_dealloc(PyObject* self) {
    auto* slot = reinterpret_cast<SinkSlot*>(self);
    Py_CLEAR(slot->sink_obj);
    Py_CLEAR(slot->future);
    PyTypeObject* type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

PyType_Slot g_slot_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(slot_dealloc)},
    {Py_tp_doc, const_cast<char*>("A send completion bound to an asyncio future.")},
    {0, nullptr},
};

PyType_Spec g_slot_spec = {
    "pulsar._core.SinkSlot", sizeof(SinkSlot), 0, Py_TPFLAGS_DEFAULT, g_slot_slots,
};

}  // namespace

LoopSink::LoopSink(py::object future_type, py::object loop, py::object resolve)
    : future_type_(std::move(future_type)), loop_(std::move(loop)), resolve_(std::move(resolve)) {
    if (pipe(pipe_) != 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        throw py::error_already_set();
    }
    for (int fd : pipe_) {
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
}

LoopSink::~LoopSink() {
    // Completions still queued (the loop stopped watching) keep their references: released
    // here, with the GIL (a LoopSink dies with its Python object).
    for (auto& item : queue_) {
        if (!item.task) {
            Py_XDECREF(item.send.callback);
            item.send.producer->on_callback_done();
        }
    }
    for (int fd : pipe_) {
        if (fd >= 0) {
            close(fd);
        }
    }
}

py::object LoopSink::new_future() const {
    static PyObject* const kwnames = Py_BuildValue("(s)", "loop");  // kept for the process's life
    if (kwnames == nullptr) {
        throw py::error_already_set();
    }
    // No positional argument, loop as keyword; args[0] is the slot vectorcall may borrow.
    PyObject* args[2] = {nullptr, loop_.ptr()};
    PyObject* future =
        PyObject_Vectorcall(future_type_.ptr(), args + 1, PY_VECTORCALL_ARGUMENTS_OFFSET, kwnames);
    if (future == nullptr) {
        throw py::error_already_set();
    }
    return py::reinterpret_steal<py::object>(future);
}

void LoopSink::push(Queued&& item) {
    bool was_empty = false;
    {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        was_empty = queue_.empty();
        queue_.push_back(std::move(item));
    }
    if (was_empty) {
        char byte = 1;
        // A full pipe already wakes the loop: the byte is not needed then.
        [[maybe_unused]] ssize_t written = write(pipe_[1], &byte, 1);
    }
}

void LoopSink::push_send(SendCompletion&& completion) {
    push(Queued{std::move(completion), nullptr});
}

void LoopSink::push_task(std::shared_ptr<DispatchTask> task) {
    push(Queued{SendCompletion{}, std::move(task)});
}

namespace {

// future.set_result(MessageId) for a send that succeeded; a future already done (its await
// was cancelled) is left as it is. GIL held; throws error_already_set.
void set_send_result(PyObject* future, pulsar::MessageId&& id) {
    static PyObject* const name = PyUnicode_InternFromString("set_result");
    static PyObject* const invalid_state = [] {
        py::object cls = py::module_::import("asyncio").attr("InvalidStateError");
        return cls.release().ptr();  // kept for the process's life
    }();
    PyObject* message_id = new_message_id(std::move(id));
    if (message_id == nullptr) {
        throw py::error_already_set();
    }
    PyObject* args[2] = {future, message_id};
    PyObject* returned = PyObject_VectorcallMethod(name, args, 2, nullptr);
    Py_DECREF(message_id);
    if (returned != nullptr) {
        Py_DECREF(returned);
    } else if (PyErr_ExceptionMatches(invalid_state)) {
        PyErr_Clear();  // cancelled: the message was sent all the same
    } else {
        throw py::error_already_set();
    }
}

}  // namespace

void LoopSink::drain() {
    char buffer[256];
    while (read(pipe_[0], buffer, sizeof buffer) > 0) {
    }
    std::vector<Queued> queued;
    {
        std::lock_guard<std::mutex> lock(queue_mutex_);
        queued.swap(queue_);
    }
    for (auto& item : queued) {
        if (item.task) {
            item.task->run();  // adds its outcome
            item.task.reset();
            continue;
        }
        SendCompletion& completion = item.send;
        auto* slot = reinterpret_cast<SinkSlot*>(completion.callback);
        try {
            if (completion.result == pulsar::ResultOk) {
                set_send_result(slot->future, std::move(completion.id));
            } else {  // rare: resolve() gives the error its pulsar.asyncio class
                py::object error = result_exception(completion.result);
                PyObject* list = items_.ptr();
                if (PyList_Append(list, slot->future) != 0 ||
                    PyList_Append(list, error.ptr()) != 0 || PyList_Append(list, Py_None) != 0) {
                    throw py::error_already_set();
                }
            }
        } catch (py::error_already_set& e) {
            e.discard_as_unraisable("settling an asyncio send");
        }
        Py_DECREF(completion.callback);
        completion.producer->on_callback_done();  // may destroy the producer
    }
    if (PyList_GET_SIZE(items_.ptr()) == 0) {
        return;
    }
    py::list items = std::move(items_);
    items_ = py::list();
    try {
        resolve_(items);
    } catch (py::error_already_set& e) {
        e.discard_as_unraisable("settling asyncio outcomes");
    }
}

void LoopSink::add(PyObject* future, PyObject* error, PyObject* value) {
    // Flat (future, error, value, future, ...): no tuple per outcome, which would be one more
    // object for the garbage collector to count and traverse.
    PyObject* list = items_.ptr();
    if (PyList_Append(list, future) != 0 || PyList_Append(list, error) != 0 ||
        PyList_Append(list, value) != 0) {
        PyErr_WriteUnraisable(future);
    }
}

AsyncTarget::AsyncTarget(py::handle sink, py::handle future)
    : sink_obj_(py::reinterpret_borrow<py::object>(sink)),
      sink_(nullptr),
      future_(py::reinterpret_borrow<py::object>(future)) {
    sink_ = loop_sink_of(sink);
}

LoopSink* loop_sink_of(py::handle sink) {
    py::detail::make_caster<LoopSink> caster;
    if (!caster.load(sink, false)) {
        raise_type_error("sink", "a LoopSink", sink.ptr());
    }
    return &py::detail::cast_op<LoopSink&>(caster);
}

void AsyncTarget::resolve(py::handle error, py::handle value) const {
    sink_->add(future_.get(), error.ptr(), value.ptr());
}

void AsyncTarget::resolve_with_current_exception() const {
    try {
        throw;
    } catch (py::error_already_set& e) {
        resolve(e.value(), py::none());
    } catch (...) {
        set_python_error_from_current_exception();
        py::error_already_set e;
        resolve(e.value(), py::none());
    }
}

bool is_sink_slot(PyObject* callback) { return Py_TYPE(callback) == g_slot_type; }

LoopSink* sink_of_slot(PyObject* slot) { return reinterpret_cast<SinkSlot*>(slot)->sink; }

void init_sink_slot_type() {
    PyObject* type = PyType_FromSpec(&g_slot_spec);
    if (type == nullptr) {
        throw py::error_already_set();
    }
    g_slot_type = reinterpret_cast<PyTypeObject*>(type);  // kept for the process's life
}

py::object new_sink_slot(py::handle sink, LoopSink* cpp_sink, py::handle future) {
    auto* slot = PyObject_New(SinkSlot, g_slot_type);
    if (slot == nullptr) {
        throw py::error_already_set();
    }
    Py_INCREF(g_slot_type);  // heap type: each instance holds a reference
    slot->sink_obj = sink.inc_ref().ptr();
    slot->sink = cpp_sink;
    slot->future = future.inc_ref().ptr();
    return py::reinterpret_steal<py::object>(reinterpret_cast<PyObject*>(slot));
}

}  // namespace fastpulsar
