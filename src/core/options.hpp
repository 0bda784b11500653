// The configurations the Python layer fills in before creating a producer or a
// consumer, with what the binding itself needs to know of them.
#pragma once

#include "abi/configuration.hpp"

namespace fastpulsar {

struct ProducerOptions {
    pulsar::ProducerConfiguration conf;
    // What ProducerCore reads, with pulsar-client's defaults (libpulsar's batching
    // default is true).
    bool batching = false;
    int max_pending = 1000;
};

struct ConsumerOptions {
    pulsar::ConsumerConfiguration conf;
};

}  // namespace fastpulsar
