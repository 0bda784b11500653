// The configurations the Python layer fills in before creating a producer or a
// consumer, with what the binding itself needs to know of them.
#pragma once

#include "abi/configuration.hpp"

namespace fastpulsar {

struct ProducerOptions {
    pulsar::ProducerConfiguration conf;
    // pulsar-client's defaults, which differ from libpulsar's where noted.
    bool batching = false;  // libpulsar: true
    bool chunking = false;
    bool block_if_queue_full = false;
    int max_pending = 1000;
    int max_pending_across_partitions = 50000;
};

struct ConsumerOptions {
    pulsar::ConsumerConfiguration conf;
};

}  // namespace fastpulsar
