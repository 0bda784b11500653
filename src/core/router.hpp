// message_router=: a Python callable (message, num_partitions) -> partition, called by
// libpulsar on the sending thread (which takes the GIL for it).
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "abi/interfaces.hpp"
#include "runtime/gil.hpp"

namespace fastpulsar {

namespace py = pybind11;

// Made with the GIL held. getPartition runs on any thread without the GIL (it takes
// it) and never throws: a router that raises or returns a bad partition is reported
// through sys.unraisablehook and the message goes to partition 0.
class PythonRouter : public pulsar::MessageRoutingPolicy {
   public:
    explicit PythonRouter(py::object router);

    int getPartition(const pulsar::Message& msg) override;
    int getPartition(const pulsar::Message& msg, const pulsar::TopicMetadata& metadata) override;

   private:
    std::shared_ptr<PyRef> router_;
};

}  // namespace fastpulsar
