// The C++ object behind pulsar._core.MessageBuilder: pulsar-client 3.13's
// _pulsar.MessageBuilder, whose build() gives a pulsar.Message for Producer.send(msg) and
// send_async(msg, callback).
//
// It records what its setters were given and makes a new libpulsar message at each build()
// (with libpulsar's MessageBuilder): pulsar-client's builder keeps sharing the message it
// built, so a setter called after build() changed that message too, even while a producer
// was sending it; here each built message is independent of the builder.
#pragma once

#include <pybind11/pybind11.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "abi/message.hpp"

namespace fastpulsar {

namespace py = pybind11;

class MessageBuilderCore {
   public:
    // The setters: GIL held; they throw error_already_set (InvalidArgumentType for a wrong
    // type, ValueError for a value out of range) and change nothing then.
    // A bytes-like object, or a str (as UTF-8).
    void content(py::handle data);
    void property(py::handle name, py::handle value);
    // A mapping of str to str, added to the properties set before.
    void properties(py::handle properties);
    void partition_key(py::handle key);
    void ordering_key(py::handle key);
    void sequence_id(py::handle sequence_id);        // an int >= 0
    void deliver_after(py::handle delay);            // a datetime.timedelta >= 0
    void deliver_at(py::handle timestamp_ms);        // an int >= 0, ms since the epoch
    void event_timestamp(py::handle timestamp_ms);   // an int >= 0, ms since the epoch
    void replication_clusters(py::handle clusters);  // a sequence of str
    void disable_replication(py::handle flag);       // a bool
    void set_null_value();

    // A new pulsar.Message holding what was set (deliver_after counts from now). GIL held;
    // throws error_already_set.
    py::object build() const;

   private:
    std::string content_;
    bool null_value_ = false;
    std::map<std::string, std::string> properties_;
    std::optional<std::string> partition_key_;
    std::optional<std::string> ordering_key_;
    std::optional<int64_t> sequence_id_;
    std::optional<uint64_t> event_timestamp_;
    // The last of deliver_at / deliver_after set wins, as in libpulsar's builder.
    std::optional<uint64_t> deliver_at_;
    std::optional<std::chrono::milliseconds> deliver_after_;
    std::optional<std::vector<std::string>> replication_clusters_;
    bool disable_replication_ = false;
};

// Prepares the datetime C API for deliver_after. Module init, GIL held; throws
// error_already_set.
void init_message_builder();

}  // namespace fastpulsar
