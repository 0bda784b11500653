// The C++ object behind pulsar's TableView: a key-value view of a topic (by partition key),
// kept up to date by libpulsar; a message with an empty or null value deletes its key.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "abi/schema.hpp"
#include "abi/table_view.hpp"
#include "core/client.hpp"
#include "core/listener.hpp"

namespace fastpulsar {

namespace py = pybind11;

class TableViewCore : public std::enable_shared_from_this<TableViewCore> {
   public:
    TableViewCore(pulsar::TableView view, py::object schema, std::string topic,
                  py::object subscription, std::shared_ptr<ClientState> client);
    // Without the GIL for libpulsar's part (it may be the last owner of the client).
    ~TableViewCore();
    TableViewCore(const TableViewCore&) = delete;
    TableViewCore& operator=(const TableViewCore&) = delete;

    // Creates a table view of `topic` on `client`, returning once it holds the topic's
    // existing messages. `subscription` is None or a str. GIL held; throws
    // error_already_set (the creation's failure, AlreadyClosed, KeyboardInterrupt).
    static std::shared_ptr<TableViewCore> create(const std::shared_ptr<ClientState>& client,
                                                 const std::string& topic, py::object subscription,
                                                 const pulsar::SchemaInfo& schema_info,
                                                 py::object schema);

    // Called with the GIL held; they throw error_already_set (a failing schema decode or
    // callback, AlreadyClosed when inherited through a fork, ...). As in pulsar-client,
    // get, for_each and size still answer from the last known content after close().
    // The value of `key` decoded by the schema, or None when the view has no such key.
    py::object get(const std::string& key) const;
    // Calls callback(key, value) for each entry (copied first, without the GIL), on the
    // calling thread.
    void for_each(py::handle callback);
    // Calls callback(key, value) for each entry, then for every update (value decoded by
    // the schema; a deletion's value is empty), on the dispatcher thread, in order; a
    // raising callback goes to sys.unraisablehook. Returns once the existing entries have
    // been served (at once on the dispatcher thread). Calls stop once the view or its
    // client is closing. Throws error_already_set (KeyboardInterrupt while waiting,
    // AlreadyClosed when inherited through a fork).
    void for_each_and_listen(py::object callback);
    std::size_t size() const;
    // Raises AlreadyClosed when already closed.
    void close();
    // The client's close() closes its views first, in two steps. stop_for_client: marks
    // the view closed and stops its listeners; false when it was closed already. GIL held;
    // never throws.
    bool stop_for_client();
    // Then, if that returned true: closes libpulsar's view (its reader); `done` runs once
    // over, on libpulsar's thread (or on this one, at once). Without the GIL; never throws
    // (but std::bad_alloc).
    void close_handle_async(const pulsar::ResultCallback& done);
    std::string repr() const;
    // close() begun here or on the client: no for_each_and_listen call starts any more.
    // Any thread; never throws.
    bool is_closing() const {
        return closed_.load() || client_->closing.load() || client_->closed.load() ||
               client_->inherited();
    }

   private:
    py::object decode(const std::string& value) const;
    // Closes every listener queue (no callback starts any more). Any thread; never throws.
    void close_listeners();

    pulsar::TableView view_;
    py::object schema_;
    std::string topic_;
    py::object subscription_;  // None or a str, for repr
    std::shared_ptr<ClientState> client_;
    std::atomic<bool> closed_{false};
    // Guarded by listeners_mutex_ (any Python thread may add one or close the view, and
    // without the GIL nothing else orders them); held for no Python call.
    std::mutex listeners_mutex_;
    std::vector<std::shared_ptr<TableListenerQueue>> listeners_;
};

}  // namespace fastpulsar
